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

/**
 * Node's heap flags for the local runtime (`npm start`, and `npm run bench`, which runs it in-process). V8
 * otherwise grows a 16 MB young generation and an old space sized for the machine before it collects: a
 * 1,000-node run held ~500 MB resident with ~40 MB live. A 4 MB semi-space and a 256 MB old-space ceiling
 * keep it under 300 MB at a few percent of throughput, with six times the live data as headroom.
 */
export const LOCAL_RUNTIME_NODE_FLAGS = ['--max-old-space-size=256', '--max-semi-space-size=4'] as const;
