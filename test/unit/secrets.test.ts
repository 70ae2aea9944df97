import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { secretsFromEnv } from '../../shared/runtime/secrets.ts';

const secretsManager = mockClient(SecretsManagerClient);
afterEach(() => secretsManager.reset());

const arns = {
  FLOE_SIGNING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:floe-signing-key',
  FLOE_ROOT_PASSWORD_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:floe-root-password',
};

describe('secrets in AWS (Secrets Manager through Powertools)', () => {
  it('reads each secret by its ARN, and only once per warm container', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: arns.FLOE_SIGNING_KEY_SECRET_ARN })
      .resolves({ SecretString: 'signing-key-value' })
      .on(GetSecretValueCommand, { SecretId: arns.FLOE_ROOT_PASSWORD_SECRET_ARN })
      .resolves({ SecretString: 'rootpass1' });
    const secrets = secretsFromEnv({ ...arns, AWS_REGION: 'eu-west-1' });
    expect(Buffer.from(await secrets.signingKey()).toString()).toBe('signing-key-value');
    expect(await secrets.rootPassword()).toBe('rootpass1');
    await secrets.signingKey();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses an empty secret rather than signing with nothing', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '' });
    const secrets = secretsFromEnv({
      FLOE_SIGNING_KEY_SECRET_ARN: `${arns.FLOE_SIGNING_KEY_SECRET_ARN}-empty`,
      FLOE_ROOT_PASSWORD_SECRET_ARN: arns.FLOE_ROOT_PASSWORD_SECRET_ARN,
      AWS_REGION: 'eu-west-1',
    });
    await expect(secrets.signingKey()).rejects.toThrow(/empty/);
  });
});

describe('secrets locally', () => {
  it('make a signing key once and keep it in the data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'floe-secrets-'));
    const first = await secretsFromEnv({ FLOE_DATA_DIR: dataDir }).signingKey();
    const second = await secretsFromEnv({ FLOE_DATA_DIR: dataDir }).signingKey();
    expect(first.length).toBe(32);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    expect(readFileSync(join(dataDir, 'signing-key'), 'utf8')).toBe(Buffer.from(first).toString('base64'));
  });

  it("take root's password from FLOE_ROOT_PASSWORD, else PaddleFlow's default", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'floe-secrets-'));
    expect(await secretsFromEnv({ FLOE_DATA_DIR: dataDir }).rootPassword()).toBe('paddleflow');
    expect(
      await secretsFromEnv({ FLOE_DATA_DIR: dataDir, FLOE_ROOT_PASSWORD: 'other123' }).rootPassword(),
    ).toBe('other123');
  });

  it('need either the ARNs or a data directory', () => {
    expect(() => secretsFromEnv({})).toThrow(/FLOE_DATA_DIR/);
  });
});
