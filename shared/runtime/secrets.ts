/**
 * The secrets port: the key that signs tokens and markers, and root's first password.
 * In AWS both live in Secrets Manager (read through Powertools, cached for the life of a warm container);
 * locally the key is generated once and kept in the data directory, and root's password comes from the
 * environment. Which one a process gets is decided by its environment, so handlers never choose.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

export interface Secrets {
  signingKey(): Promise<Uint8Array>;
  rootPassword(): Promise<string>;
}

export const DEFAULT_ROOT_PASSWORD = 'paddleflow';
const SECRET_MAX_AGE_SECONDS = 300;

function awsSecrets(signingKeyArn: string, rootPasswordArn: string): Secrets {
  const read = async (arn: string) => {
    const value = await getSecret(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
    if (typeof value !== 'string' || value === '') throw new Error(`secret ${arn} is empty`);
    return value;
  };
  return {
    signingKey: async () => new TextEncoder().encode(await read(signingKeyArn)),
    rootPassword: () => read(rootPasswordArn),
  };
}

/** The data directory's signing key: made on first use with `wx`, so two racing processes agree on one key. */
function localSecrets(dataDir: string, rootPassword: string): Secrets {
  let key: Uint8Array | undefined;
  return {
    async signingKey() {
      key ??= readOrCreateKey(join(dataDir, 'signing-key'));
      return key;
    },
    rootPassword: async () => rootPassword,
  };
}

function readOrCreateKey(file: string): Uint8Array {
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(join(file, '..'), { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): Secrets {
  const signingKeyArn = env.FLOE_SIGNING_KEY_SECRET_ARN;
  const rootPasswordArn = env.FLOE_ROOT_PASSWORD_SECRET_ARN;
  if (signingKeyArn && rootPasswordArn) return awsSecrets(signingKeyArn, rootPasswordArn);
  const dataDir = env.FLOE_DATA_DIR;
  if (!dataDir)
    throw new Error('set FLOE_SIGNING_KEY_SECRET_ARN and FLOE_ROOT_PASSWORD_SECRET_ARN, or FLOE_DATA_DIR');
  return localSecrets(dataDir, env.FLOE_ROOT_PASSWORD || DEFAULT_ROOT_PASSWORD);
}
