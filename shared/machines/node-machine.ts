/**
 * The NodeMachine: one Standard Step Functions execution per node attempt, named `<run>.<key>.<attempt>`.
 * It reports `started` to the run's mailbox, executes the job, and reports `finished` with the outcome.
 *
 * The same ASL JSON is deployed by CDK (with `definitionSubstitutions` for the `${…}` placeholders) and run by
 * the local interpreter (with the placeholders replaced by local values and every Task answered by a local
 * handler keyed by the state names of node-states.ts). JSONPath only: the local interpreter does not run
 * JSONata, Variables/`Assign` or `HeartbeatSeconds`.
 *
 * Executors: `SelectExecutor` sends a callback or approval step to `WaitForCallback` (callback-states.ts)
 * and every other step to `ExecuteContainer` (ECS RunTask `.sync`, answered locally by a child process),
 * which leaves an ECS-DescribeTasks-shaped result in `$.task` for `CheckContainer`, or fails into
 * `ExecuteError`. A failed try goes through `CanRetry` (retry-states.ts), which tries again or reports.
 */
import type { JobSpec } from '../engine/run/model.ts';
import { cacheStates } from './cache-states.ts';
import { CALLBACK_TIMEOUT_SECONDS, callbackStates } from './callback-states.ts';
import { type NodeMachineSubstitutions, outcome, placeholder, report } from './machine-parts.ts';
import { NODE_STATES } from './node-states.ts';
import { retryStates } from './retry-states.ts';

export type { CacheCheckPayload } from './cache-states.ts';
export { CALLBACK_FAILED_ERROR, type CallbackResolution } from './callback-states.ts';
export {
  type MailboxMessage,
  NODE_MACHINE_SUBSTITUTION_KEYS,
  type NodeMachineSubstitutions,
  placeholder,
} from './machine-parts.ts';
export { NODE_REPORT_STATES, NODE_STATES, NODE_TASK_STATES, type NodeStateName } from './node-states.ts';

/** The container in the task definition whose command and environment each job overrides. */
export const STEP_CONTAINER_NAME = 'step';

/** How long a container job may run, when its step sets no `timeout`, before the try fails (`States.Timeout`). */
const CONTAINER_TIMEOUT_SECONDS = 24 * 60 * 60;

/**
 * The execution input: the job, plus its environment as the `{Name, Value}` list ECS overrides take, and its
 * policies in the form the states read them. Flags rather than `IsPresent` checks on the job: the local
 * interpreter's JSONPath throws (and catches) an error for every missing path, a cost on every node.
 */
export interface NodeMachineInput {
  job: JobSpec;
  envList: { Name: string; Value: string }[];
  /** Whether the job checks the cache first. */
  useCache: boolean;
  /** Whether the step waits for a callback instead of running a container. */
  waits: boolean;
  /** Seconds one try (or the wait for a callback) may last. */
  timeoutSeconds: number;
  /** The wait before each retry, in seconds; as many as the step may retry. */
  retryDelays: number[];
  maxRetries: number;
  /** The retries made so far (`delay`: the wait before the latest). */
  retry: { count: number; delay?: number };
}

export function toMachineInput(job: JobSpec): NodeMachineInput {
  const waits = job.wait !== undefined;
  const retryDelays = job.retryDelays ?? [];
  return {
    job,
    envList: Object.entries(job.env).map(([Name, Value]) => ({ Name, Value })),
    useCache: job.cache !== undefined && !waits,
    waits,
    timeoutSeconds: job.timeoutSeconds ?? (waits ? CALLBACK_TIMEOUT_SECONDS : CONTAINER_TIMEOUT_SECONDS),
    retryDelays,
    maxRetries: retryDelays.length,
    retry: { count: 0 },
  };
}

/** A failed try: tried again when the step's retry policy allows (CanRetry), else reported. */
const failed = (message: Record<string, string>) => outcome('failed', message, NODE_STATES.canRetry);

const EXIT_CODE = '$.task.Containers[0].ExitCode';
const EXIT_REASON = '$.task.Containers[0].Reason';

/**
 * The NodeMachine's ASL. Every JSONPath that may be missing (ECS omits `ExitCode` for a container that never
 * ran, `Reason` and `StoppedReason` when there is nothing to say, Step Functions omits `Cause` for some
 * errors) is read only on a Choice branch that checked it is present: a path to a missing field is a
 * `States.Runtime` error that no Catch handles.
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
        Choices: [{ Variable: '$.waits', BooleanEquals: true, Next: S.waitForCallback }],
        Default: S.executeContainer,
      },
      ...callbackStates(),
      [S.executeContainer]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::ecs:runTask.sync',
        Parameters: {
          Cluster: placeholder('ClusterArn'),
          TaskDefinition: placeholder('TaskDefinitionArn'),
          LaunchType: 'FARGATE',
          Overrides: {
            ContainerOverrides: [
              {
                Name: STEP_CONTAINER_NAME,
                'Command.$': "States.Array('bash', '-c', $.job.command)",
                'Environment.$': '$.envList',
              },
            ],
          },
        },
        TimeoutSecondsPath: '$.timeoutSeconds',
        // The stopped task as DescribeTasks returns it; CheckContainer reads Containers, StopCode, StoppedReason.
        ResultPath: '$.task',
        Catch: [
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: S.timedOut },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.executeError },
        ],
        Next: S.checkContainer,
      },
      [S.checkContainer]: {
        Type: 'Choice',
        Choices: [
          {
            And: [
              { Variable: EXIT_CODE, IsPresent: true },
              { Variable: EXIT_CODE, NumericEquals: 0 },
            ],
            Next: S.succeeded,
          },
          {
            And: [
              { Variable: '$.task.StopCode', IsPresent: true },
              { Variable: '$.task.StopCode', StringEquals: 'UserInitiated' },
            ],
            Next: S.terminated,
          },
          {
            And: [
              { Variable: EXIT_CODE, IsPresent: true },
              { Variable: EXIT_REASON, IsPresent: true },
            ],
            Next: S.exitedWithReason,
          },
          { Variable: EXIT_CODE, IsPresent: true, Next: S.exited },
          { Variable: '$.task.StoppedReason', IsPresent: true, Next: S.notRunWithReason },
        ],
        Default: S.notRun,
      },
      [S.succeeded]: outcome('succeeded', { message: '' }),
      [S.terminated]: outcome('terminated', { message: 'the job was stopped' }),
      [S.exitedWithReason]: failed({
        'message.$': `States.Format('exit code {}: {}', ${EXIT_CODE}, ${EXIT_REASON})`,
      }),
      [S.exited]: failed({ 'message.$': `States.Format('exit code {}', ${EXIT_CODE})` }),
      [S.notRunWithReason]: failed({ 'message.$': '$.task.StoppedReason' }),
      [S.notRun]: failed({ message: 'the container did not run' }),
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
        ...report('finished', { 'status.$': '$.outcome.status', 'message.$': '$.outcome.message' }),
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
