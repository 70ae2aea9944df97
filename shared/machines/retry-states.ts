/**
 * A step's own retry policy (`retry` in its YAML): a failed try (or one that timed out) is tried again after
 * the policy's wait, up to its limit, within the one execution. Step Functions' `Retry` fields are constants
 * of the definition, so one definition cannot carry each step's policy: the waits come precomputed in the
 * input (`retryDelays`, see job.ts) and a counter in `$.retry` walks them. Each retry is reported, so the
 * node shows how many it has made. A stopped job is never retried.
 */
import { eventOf, toMailbox } from './machine-parts.ts';
import { NODE_STATES } from './node-states.ts';

export function retryStates() {
  const S = NODE_STATES;
  return {
    [S.canRetry]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.retry.count', NumericLessThanPath: '$.maxRetries', Next: S.prepareRetry }],
      Default: S.reportFinished,
    },
    [S.prepareRetry]: {
      Type: 'Pass',
      Parameters: {
        'count.$': 'States.MathAdd($.retry.count, 1)',
        'delay.$': 'States.ArrayGetItem($.retryDelays, $.retry.count)',
      },
      ResultPath: '$.retry',
      Next: S.reportRetrying,
    },
    [S.reportRetrying]: {
      ...toMailbox(
        "States.Format('{}.retry.{}', $$.Execution.Name, $.retry.count)",
        eventOf('retrying', { 'retry.$': '$.retry.count', 'message.$': '$.outcome.message' }),
      ),
      Next: S.waitBeforeRetry,
    },
    // Back through the executor's choice, so a retry runs what the step is, whatever kinds retry.
    [S.waitBeforeRetry]: { Type: 'Wait', SecondsPath: '$.retry.delay', Next: S.selectExecutor },
  };
}
