import { Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The secrets behind `shared/runtime/secrets.ts`'s AWS port. */
export class FloeSecrets extends Construct {
  /** Signs login tokens and paging markers (HMAC). */
  readonly signingKey: secretsmanager.Secret;
  /**
   * Root's first password. Root does not exist until the first login as root, which creates it with this
   * secret's value at that moment; afterwards root changes its password through the API and the secret is
   * no longer read. To choose the password yourself, put a new value in this secret (e.g.
   * `aws secretsmanager put-secret-value --secret-id <arn> --secret-string <password>`) before that first
   * login. It must have at least 6 characters, a digit and a lowercase letter, as PaddleFlow requires.
   */
  readonly rootPassword: secretsmanager.ISecret;

  /** `rootPasswordSecretArn`: a secret of your own (its full ARN) instead of the generated one. */
  constructor(scope: Construct, id: string, rootPasswordSecretArn?: string) {
    super(scope, id);
    this.signingKey = new secretsmanager.Secret(this, 'SigningKey', {
      description: 'Floe: the key that signs login tokens and paging markers',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.signingKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the signing key invalidates every issued token and paging marker at once (PaddleFlow tokens ' +
        'do not expire by default); there is no dual-key verification yet, so rotation is a deliberate manual step.',
    });

    if (rootPasswordSecretArn !== undefined) {
      this.rootPassword = secretsmanager.Secret.fromSecretCompleteArn(
        this,
        'RootPassword',
        rootPasswordSecretArn,
      );
      return;
    }
    const generated = new secretsmanager.Secret(this, 'RootPassword', {
      description: "Floe: root's initial password, read once when root first logs in",
      generateSecretString: {
        passwordLength: 24,
        excludePunctuation: true,
        // Upper case, lower case and digits each appear at least once: PaddleFlow's password rule.
        requireEachIncludedType: true,
      },
    });
    this.rootPassword = generated;
    Validations.of(generated).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "Only seeds root's password at root's first login; later changes go through the user API, so " +
        'rotating this secret would change nothing.',
    });
  }
}
