import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundleTarget, esmRequireBanner, externalModules } from '../bundling.ts';
import { fromRepoRoot } from '../paths.ts';
import { logRetentionOf } from './settings.ts';

export interface FloeFunctionProps {
  /** The handler module, relative to the repository root (an `entry` of `shared/routes.ts`). */
  readonly entry: string;
  readonly description: string;
  /** Added to the variables every function gets. */
  readonly environment?: Record<string, string>;
  /** How long one invocation may run: API Gateway's 29 s by default; longer only for functions not behind it. */
  readonly timeout?: Duration;
}

/** API Gateway gives up on an integration after 29 s. */
export const DEFAULT_TIMEOUT = Duration.seconds(29);

/**
 * One Lambda entry point: an ESM bundle on nodejs24.x/arm64 with its own log group and its own role, which
 * starts with nothing but writing to that log group (no AWSLambdaBasicExecutionRole: it allows every log
 * group). Callers grant what the handler needs.
 */
export class FloeFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FloeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logRetentionOf(this) });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: fromRepoRoot(props.entry),
      handler: 'handler',
      projectRoot: fromRepoRoot('.'),
      depsLockFilePath: fromRepoRoot('package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'floe',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      // The bundle-size benchmark (test/bench) builds with the same settings from infra/bundling.ts.
      bundling: {
        format: OutputFormat.ESM,
        target: bundleTarget,
        banner: esmRequireBanner,
        minify: true,
        sourceMap: true,
        // nodejs24.x provides the AWS SDK v3.
        externalModules,
      },
    });
  }
}
