/** `/runCache` (reference/paddleflow.md §1.10): list, show and delete run cache rows. */
import { authenticate, listPaging } from '../../shared/app/core.ts';
import { runCacheService } from '../../shared/app/run-caches.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { listFilter } from '../../shared/http/list-filter.ts';
import { empty, ok } from '../../shared/http/response.ts';
import { localTimeOf } from '../../shared/http/time.ts';
import type { RunCacheRecord } from '../../shared/store/run-caches.ts';

/** PaddleFlow's RunCache: note the lowercase `fsname`, unlike the run's `fsName`. */
const runCacheView = (cache: RunCacheRecord) => ({
  cacheID: cache.id,
  firstFp: cache.firstFp,
  secondFp: cache.secondFp,
  runID: cache.runId,
  source: cache.source,
  jobID: cache.jobId,
  fsname: cache.fsName,
  username: cache.owner,
  expiredTime: cache.expiredTime,
  strategy: cache.strategy,
  custom: cache.custom,
  createTime: localTimeOf(cache.createdAt),
  updateTime: localTimeOf(cache.updatedAt),
});

const LIST = 'runCache';

export const handler = resourceHandler(
  'runCache',
  {
    'GET /runCache': async ({ actor, query }) => {
      const paging = await listPaging(LIST, query);
      const filter = listFilter(query, ['owners', 'fsNames', 'runIds']);
      const page = await runCacheService().list(actor, filter, paging.request);
      return ok(paging.envelope(page, 'runCacheList', runCacheView));
    },

    'GET /runCache/{runCacheID}': async ({ actor, params }) =>
      ok(runCacheView(await runCacheService().get(actor, params.runCacheID!))),

    'DELETE /runCache/{runCacheID}': async ({ actor, params }) => {
      await runCacheService().delete(actor, params.runCacheID!);
      return empty();
    },
  },
  { authenticate },
);
