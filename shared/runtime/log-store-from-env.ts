/**
 * The log store a handler reads: job logs on disk under the local runtime's data directory (`FLOE_DATA_DIR`).
 * In AWS steps log to CloudWatch Logs, read through the same port (the AWS executors' issue adds it).
 */
import { PfError } from '../errors.ts';
import { LocalLogStore } from './local-log-store.ts';
import type { LogStore } from './ports.ts';

let store: LogStore | undefined;

export function logStoreFromEnv(): LogStore {
  if (store) return store;
  const dataDir = process.env.FLOE_DATA_DIR;
  if (!dataDir) throw new PfError('InternalError', 'no log store is configured for this deployment');
  store = new LocalLogStore(dataDir);
  return store;
}
