/**
 * The NodeMachine's CheckCache task in AWS (`lambda:invoke`): the run cache's verdict for a job about to run
 * (see shared/services/cache-check.ts). Its answer is the execution's `$.cacheCheck.verdict`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { cacheChecker } from '../../shared/app/cache-check.ts';
import type { CacheCheckPayload } from '../../shared/machines/node-machine.ts';
import type { CacheVerdict } from '../../shared/services/cache-check.ts';

const logger = new Logger({ serviceName: 'floe' });

export async function handler(payload: CacheCheckPayload): Promise<CacheVerdict> {
  const verdict = await cacheChecker().check(payload.job, payload.since);
  logger.info('cache check', {
    runId: payload.job.runId,
    jobId: payload.job.jobId,
    outcome: verdict.outcome,
    ...(verdict.outcome === 'miss' && verdict.reason ? { reason: verdict.reason } : {}),
  });
  return verdict;
}
