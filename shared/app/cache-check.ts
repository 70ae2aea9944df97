/** The run cache's check in AWS (see core.ts). */
import { CacheChecker, type ModTimes } from '../services/cache-check.ts';
import { RunCacheRepository } from '../store/run-caches.ts';
import { RunRepository } from '../store/runs.ts';
import { getTable } from './core.ts';

/**
 * Modification times need the run's file system; in AWS that is the EFS support of the AWS executors' issue.
 * Until then the check cannot read them, so it answers miss and the job runs, as it would without a cache.
 */
const noFileTimes: ModTimes = {
  async newest() {
    throw new Error('reading file times is not available in this deployment yet');
  },
};

let checker: CacheChecker | undefined;

export const cacheChecker = () =>
  (checker ??= new CacheChecker({
    runs: new RunRepository(getTable()),
    caches: new RunCacheRepository(getTable()),
    modTimes: noFileTimes,
  }));
