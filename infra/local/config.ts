import { resolve } from 'node:path';
import { DEFAULT_ROOT_PASSWORD } from '../../shared/runtime/secrets.ts';

export interface LocalConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  rootPassword: string;
}

export const DEFAULT_PORT = 8999;

export function localConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const port = env.FLOE_PORT === undefined || env.FLOE_PORT === '' ? DEFAULT_PORT : Number(env.FLOE_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`FLOE_PORT must be a port number (0 for any free port), got "${env.FLOE_PORT}"`);
  }
  return {
    host: env.FLOE_HOST || '127.0.0.1',
    port,
    dataDir: resolve(env.FLOE_DATA_DIR || '.floe'),
    rootPassword: env.FLOE_ROOT_PASSWORD || DEFAULT_ROOT_PASSWORD,
  };
}
