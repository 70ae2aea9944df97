/**
 * The log store a handler reads: in AWS (`FLOE_STEP_LOG_GROUP` set) the steps' CloudWatch Logs streams;
 * locally, job logs on disk under the local runtime's data directory (`FLOE_DATA_DIR`).
 */
import { PfError } from '../errors.ts';
import { CloudWatchLogStore } from './cloudwatch-log-store.ts';
import { LocalLogStore } from './local-log-store.ts';
import type { LogStore } from './ports.ts';

let store: LogStore | undefined;

export function logStoreFromEnv(): LogStore {
  if (store) return store;
  if (process.env.FLOE_STEP_LOG_GROUP) {
    store = new CloudWatchLogStore();
    return store;
  }
  const dataDir = process.env.FLOE_DATA_DIR;
  if (!dataDir) throw new PfError('InternalError', 'no log store is configured for this deployment');
  store = new LocalLogStore(dataDir);
  return store;
}
