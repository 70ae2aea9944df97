/**
 * The NodeMachine's CheckCache task in AWS (`lambda:invoke`): the run cache's verdict for a job about to run
 * (see shared/services/cache-check.ts). Its answer is the execution's `$.cacheCheck.verdict`.
 */
import { cacheChecker } from '../../shared/app/cache-check.ts';
import type { CacheCheckPayload } from '../../shared/machines/node-machine.ts';
import { lambdaHandler } from '../../shared/observability/handler.ts';
import { logger } from '../../shared/observability/logger.ts';
import type { CacheVerdict } from '../../shared/services/cache-check.ts';

export const handler = lambdaHandler(async (payload: CacheCheckPayload): Promise<CacheVerdict> => {
  logger.appendKeys({ runId: payload.job.runId, jobId: payload.job.jobId });
  const verdict = await cacheChecker().check(payload.job, payload.since);
  logger.info('cache check', {
    outcome: verdict.outcome,
    ...(verdict.outcome === 'miss' && verdict.reason ? { reason: verdict.reason } : {}),
  });
  return verdict;
});
