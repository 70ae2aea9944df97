/**
 * The NodeMachine: one Standard Step Functions execution per node attempt, named `<run>.<key>.<attempt>`.
 * It reports `started` to the run's mailbox, executes the job, and reports `finished` with the outcome.
 *
 * The same ASL JSON is deployed by CDK (with `definitionSubstitutions` for the `${…}` placeholders) and run by
 * the local interpreter (with the placeholders replaced by local values and every Task answered by a local
 * handler keyed by the state names of node-states.ts). JSONPath only: the local interpreter does not run
 * JSONata, Variables/`Assign` or `HeartbeatSeconds`.
 *
 * Executors: `SelectExecutor` reads the input's `executor` (machine-input.ts) and sends a callback or
 * approval step to `WaitForCallback` (callback-states.ts), a lambda step to `ExecuteLambda` and an http step
 * to the HTTP Task (call-states.ts), and every other step to `ExecuteContainer` (container-states.ts; a
 * container try that times out has its task stopped first). A failed try goes through `CanRetry`
 * (retry-states.ts), which tries again or reports.
 */
import { cacheStates } from './cache-states.ts';
import { callStates } from './call-states.ts';
import { callbackStates } from './callback-states.ts';
import { containerStates } from './container-states.ts';
import { type NodeMachineSubstitutions, outcome, report } from './machine-parts.ts';
import { NODE_STATES } from './node-states.ts';
import { retryStates } from './retry-states.ts';

export type { CacheCheckPayload } from './cache-states.ts';
export { CALLBACK_FAILED_ERROR, type CallbackResolution } from './callback-states.ts';
export { STEP_CONTAINER_NAME } from './container-states.ts';
export {
  type Executor,
  executorOf,
  type HttpInput,
  type LambdaInput,
  LOCAL_PLACEMENT,
  type NodeMachineInput,
  timeoutSecondsOf,
  toMachineInput,
} from './machine-input.ts';
export {
  type MailboxMessage,
  NODE_MACHINE_SUBSTITUTION_KEYS,
  type NodeMachineSubstitutions,
  placeholder,
} from './machine-parts.ts';
export { NODE_REPORT_STATES, NODE_STATES, NODE_TASK_STATES, type NodeStateName } from './node-states.ts';

/** A failed try: tried again when the step's retry policy allows (CanRetry), else reported. */
const failed = (message: Record<string, string>) => outcome('failed', message, NODE_STATES.canRetry);

/**
 * The NodeMachine's ASL. Step Functions omits `Cause` for some errors, so it is read only on a Choice branch
 * that checked it is present: a path to a missing field is a `States.Runtime` error that no Catch handles.
 */
export function nodeMachineDefinition() {
  const S = NODE_STATES;
  return {
    Comment:
      'Floe NodeMachine: one execution per node attempt; reports started and finished to the run mailbox',
    StartAt: S.cacheEnabled,
    States: {
      ...cacheStates(),
      [S.reportStarted]: { ...report('started', {}), Next: S.selectExecutor },
      [S.selectExecutor]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.executor', StringEquals: 'callback', Next: S.waitForCallback },
          { Variable: '$.executor', StringEquals: 'lambda', Next: S.executeLambda },
          { Variable: '$.executor', StringEquals: 'http', Next: S.httpWithBody },
        ],
        Default: S.executeContainer,
      },
      ...callbackStates(),
      ...containerStates(),
      ...callStates(),
      [S.executeError]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.error.Cause', IsPresent: true, Next: S.errorWithCause }],
        Default: S.errorWithoutCause,
      },
      [S.errorWithCause]: failed({ 'message.$': "States.Format('{}: {}', $.error.Error, $.error.Cause)" }),
      [S.errorWithoutCause]: failed({ 'message.$': '$.error.Error' }),
      [S.timedOut]: failed({
        'message.$': "States.Format('timed out after {} seconds', $.timeoutSeconds)",
      }),
      ...retryStates(),
      [S.reportFinished]: {
        ...report('finished', {
          'status.$': '$.outcome.status',
          'message.$': '$.outcome.message',
          'taskArn.$': '$.outcome.taskArn',
        }),
        End: true,
      },
    },
  };
}

/** The definition with its `${…}` placeholders replaced, as Step Functions does with `definitionSubstitutions`. */
export function substituteDefinition(definition: unknown, values: NodeMachineSubstitutions): unknown {
  const text = JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (whole, key: string) =>
    key in values ? JSON.stringify(values[key as keyof NodeMachineSubstitutions]).slice(1, -1) : whole,
  );
  return JSON.parse(text);
}
