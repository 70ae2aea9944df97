/**
 * The NodeMachine: one Standard Step Functions execution per node attempt, named `<run>.<key>.<attempt>`.
 * It reports `started` to the run's mailbox, executes the job, and reports `finished` with the outcome.
 *
 * The same ASL JSON is deployed by CDK (with `definitionSubstitutions` for the `${…}` placeholders) and run by
 * the local interpreter (with the placeholders replaced by local values and every Task answered by a local
 * handler keyed by the state names below). JSONPath only: the local interpreter does not run JSONata,
 * Variables/`Assign` or `HeartbeatSeconds`.
 *
 * Executors: only container steps exist today (`ExecuteContainer`, ECS RunTask `.sync`, answered locally by a
 * child process). Each executor leaves an ECS-DescribeTasks-shaped result in `$.task` for `CheckContainer`, or
 * fails into `ExecuteError`. A later kind (lambda, http, callback) adds a `SelectExecutor` Choice on the job's
 * step kind in front, its own Task, and its own check that sets `$.outcome`; `ReportFinished` stays the one
 * place that reports.
 */
import type { JobSpec, RunEvent } from '../engine/run/model.ts';

/** State names: the local runner keys its Task handlers on them. */
export const NODE_STATES = {
  cacheEnabled: 'CacheEnabled',
  checkCache: 'CheckCache',
  cacheVerdict: 'CacheVerdict',
  waitForCachedJob: 'WaitForCachedJob',
  reportCacheHit: 'ReportCacheHit',
  reportStarted: 'ReportStarted',
  executeContainer: 'ExecuteContainer',
  checkContainer: 'CheckContainer',
  succeeded: 'Succeeded',
  terminated: 'Terminated',
  exitedWithReason: 'ExitedWithReason',
  exited: 'Exited',
  notRunWithReason: 'NotRunWithReason',
  notRun: 'NotRun',
  executeError: 'ExecuteError',
  errorWithCause: 'ErrorWithCause',
  errorWithoutCause: 'ErrorWithoutCause',
  reportFinished: 'ReportFinished',
} as const;

export type NodeStateName = (typeof NODE_STATES)[keyof typeof NODE_STATES];

/** The Task states, each of which needs a local handler (a Task without one would call real AWS). */
export const NODE_TASK_STATES = [
  NODE_STATES.checkCache,
  NODE_STATES.reportCacheHit,
  NODE_STATES.reportStarted,
  NODE_STATES.executeContainer,
  NODE_STATES.reportFinished,
] as const;

/** The `${…}` placeholders of the definition: CDK's `definitionSubstitutions`, local values locally. */
export interface NodeMachineSubstitutions {
  /** The mailbox FIFO queue's URL. */
  MailboxQueueUrl: string;
  /** The ECS cluster container steps run on. */
  ClusterArn: string;
  /** The Fargate task definition with the `step` container. */
  TaskDefinitionArn: string;
  /** The function that checks the run cache (shared/services/cache-check.ts). */
  CacheCheckFunctionArn: string;
}

export const NODE_MACHINE_SUBSTITUTION_KEYS: readonly (keyof NodeMachineSubstitutions)[] = [
  'MailboxQueueUrl',
  'ClusterArn',
  'TaskDefinitionArn',
  'CacheCheckFunctionArn',
];

/** What CheckCache sends the cache-check function: the job, and when this execution began (waits are bounded). */
export interface CacheCheckPayload {
  job: JobSpec;
  since: string;
}

/** `${key}`: where a substitution goes in the definition. */
export const placeholder = (key: keyof NodeMachineSubstitutions) => `\${${key}}`;

/** The container in the task definition whose command and environment each job overrides. */
export const STEP_CONTAINER_NAME = 'step';

/** How long a container job may run before the execution reports it failed (`States.Timeout`). */
export const CONTAINER_TIMEOUT_SECONDS = 24 * 60 * 60;

/** The execution input: the job, plus its environment as the `{Name, Value}` list ECS overrides take. */
export interface NodeMachineInput {
  job: JobSpec;
  envList: { Name: string; Value: string }[];
  /**
   * Whether the job checks the cache first. A flag rather than an `IsPresent` on `$.job.cache`: the local
   * interpreter's JSONPath throws (and catches) an error for every missing path, a cost on every node.
   */
  useCache: boolean;
}

export function toMachineInput(job: JobSpec): NodeMachineInput {
  return {
    job,
    envList: Object.entries(job.env).map(([Name, Value]) => ({ Name, Value })),
    useCache: job.cache !== undefined,
  };
}

/** The mailbox message the report states send: what `Mailbox.post(runId, event)` carries. */
export interface MailboxMessage {
  runId: string;
  event: RunEvent;
}

/** Reports are cheap and idempotent (deduplicated by id): retry them through throttling and blips. */
const REPORT_RETRY = [
  {
    ErrorEquals: ['States.ALL'],
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: 6,
    JitterStrategy: 'FULL',
  },
];

/**
 * A message to the run's mailbox: one FIFO message in the run's group, deduplicated per execution and kind
 * (a cache hit's `finished` and the job's own cannot both be sent: one execution takes one path). `event` is
 * the event's fields, or `{'event.$': path}` for an event built elsewhere.
 */
function toMailbox(kind: 'started' | 'finished', event: Record<string, unknown>) {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::sqs:sendMessage',
    Parameters: {
      QueueUrl: placeholder('MailboxQueueUrl'),
      'MessageGroupId.$': '$.job.runId',
      'MessageDeduplicationId.$': `States.Format('{}.${kind}', $$.Execution.Name)`,
      // Step Functions serialises a JSON MessageBody to a string.
      MessageBody: { 'runId.$': '$.job.runId', ...event },
    },
    ResultPath: null,
    Retry: REPORT_RETRY,
  };
}

/** A report of this execution's own: the event's type, node and attempt, the time, and `fields`. */
const report = (kind: 'started' | 'finished', fields: Record<string, unknown>) =>
  toMailbox(kind, {
    event: {
      type: kind,
      'key.$': '$.job.key',
      'attempt.$': '$.job.attempt',
      ...fields,
      'at.$': '$$.State.EnteredTime',
    },
  });

/** Lambda's transient errors, as the Step Functions console's Lambda template retries them. */
const LAMBDA_RETRY = [
  {
    ErrorEquals: [
      'Lambda.ClientExecutionTimeoutException',
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: 6,
    JitterStrategy: 'FULL',
  },
];

/**
 * The cache states (§4.5), entered only by a job with `cache`: CheckCache asks the cache-check function for
 * a verdict; a hit reports the cached job's result as this job's `finished` (the job never runs), a wait
 * comes back after the verdict's `waitSeconds`, anything else (a miss, or a check that failed) runs the job.
 */
function cacheStates() {
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
    [S.reportCacheHit]: { ...toMailbox('finished', { 'event.$': '$.cacheCheck.verdict.event' }), End: true },
  };
}

/** A Pass that sets `$.outcome` ({status, message}) and goes to ReportFinished. */
function outcome(status: 'succeeded' | 'failed' | 'terminated', message: Record<string, string>) {
  return {
    Type: 'Pass',
    Parameters: { status, ...message },
    ResultPath: '$.outcome',
    Next: NODE_STATES.reportFinished,
  };
}

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
      [S.reportStarted]: { ...report('started', {}), Next: S.executeContainer },
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
        TimeoutSeconds: CONTAINER_TIMEOUT_SECONDS,
        // The stopped task as DescribeTasks returns it; CheckContainer reads Containers, StopCode, StoppedReason.
        ResultPath: '$.task',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.executeError }],
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
      [S.exitedWithReason]: outcome('failed', {
        'message.$': `States.Format('exit code {}: {}', ${EXIT_CODE}, ${EXIT_REASON})`,
      }),
      [S.exited]: outcome('failed', { 'message.$': `States.Format('exit code {}', ${EXIT_CODE})` }),
      [S.notRunWithReason]: outcome('failed', { 'message.$': '$.task.StoppedReason' }),
      [S.notRun]: outcome('failed', { message: 'the container did not run' }),
      [S.executeError]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.error.Cause', IsPresent: true, Next: S.errorWithCause }],
        Default: S.errorWithoutCause,
      },
      [S.errorWithCause]: outcome('failed', {
        'message.$': "States.Format('{}: {}', $.error.Error, $.error.Cause)",
      }),
      [S.errorWithoutCause]: outcome('failed', { 'message.$': '$.error.Error' }),
      [S.reportFinished]: {
        ...report('finished', { 'status.$': '$.outcome.status', 'message.$': '$.outcome.message' }),
        End: true,
      },
    },
  };
}

export type NodeMachineDefinition = ReturnType<typeof nodeMachineDefinition>;

/** The definition with its `${…}` placeholders replaced, as Step Functions does with `definitionSubstitutions`. */
export function substituteDefinition(definition: unknown, values: NodeMachineSubstitutions): unknown {
  const text = JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (whole, key: string) =>
    key in values ? JSON.stringify(values[key as keyof NodeMachineSubstitutions]).slice(1, -1) : whole,
  );
  return JSON.parse(text);
}
