/**
 * The cache states (§4.5), entered only by a job with `cache`: CheckCache asks the cache-check function for
 * a verdict; a hit reports the cached job's result as this job's `finished` (the job never runs), a wait
 * comes back after the verdict's `waitSeconds`, anything else (a miss, or a check that failed) runs the job.
 */
import type { JobSpec } from '../engine/run/model.ts';
import { LAMBDA_RETRY, oncePerExecution, placeholder, toMailbox } from './machine-parts.ts';
import { NODE_STATES } from './node-states.ts';

/** What CheckCache sends the cache-check function: the job, and when this execution began (waits are bounded). */
export interface CacheCheckPayload {
  job: JobSpec;
  since: string;
}

export function cacheStates() {
  const S = NODE_STATES;
  return {
    [S.cacheEnabled]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.useCache', BooleanEquals: true, Next: S.checkCache }],
      Default: S.reportStarted,
    },
    [S.checkCache]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: placeholder('CacheCheckFunctionArn'),
        Payload: { 'job.$': '$.job', 'since.$': '$$.Execution.StartTime' },
      },
      ResultSelector: { 'verdict.$': '$.Payload' },
      ResultPath: '$.cacheCheck',
      Retry: LAMBDA_RETRY,
      // The cache is an optimisation: when it cannot be checked, the job runs.
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.cacheError', Next: S.reportStarted }],
      Next: S.cacheVerdict,
    },
    [S.cacheVerdict]: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.cacheCheck.verdict.outcome', StringEquals: 'hit', Next: S.reportCacheHit },
        { Variable: '$.cacheCheck.verdict.outcome', StringEquals: 'wait', Next: S.waitForCachedJob },
      ],
      Default: S.reportStarted,
    },
    [S.waitForCachedJob]: {
      Type: 'Wait',
      SecondsPath: '$.cacheCheck.verdict.waitSeconds',
      Next: S.checkCache,
    },
    // The cache check built the whole `finished` event (the cached job's status and outputs).
    [S.reportCacheHit]: {
      ...toMailbox(oncePerExecution('finished'), { 'event.$': '$.cacheCheck.verdict.event' }),
      End: true,
    },
  };
}
