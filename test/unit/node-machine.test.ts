import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { forLocalInterpreter } from '../../infra/local/node-machine-runner.ts';
import type { JobSpec } from '../../shared/engine/run/model.ts';
import {
  LOCAL_PLACEMENT,
  NODE_MACHINE_SUBSTITUTION_KEYS,
  NODE_STATES,
  NODE_TASK_STATES,
  nodeMachineDefinition,
  placeholder,
  substituteDefinition,
  toMachineInput,
} from '../../shared/machines/node-machine.ts';
import type { ContainerPlacement } from '../../shared/runtime/ports.ts';
import { allStates, taskStatesOf } from '../support/asl.ts';

type Json = Record<string, unknown>;
type States = Record<string, Json>;

const job: JobSpec = {
  runId: 'run-000042',
  key: 'dag1[0].train',
  attempt: 2,
  jobId: 'job-run-000042-train-0123abcd',
  jobName: 'run-000042-train',
  stepName: 'train',
  command: 'echo "$GREETING" > out.txt',
  dockerEnv: 'python:3.12',
  env: { GREETING: 'hello world', PF_RUN_ID: 'run-000042' },
  workDir: '/home/paddleflow/storage/mnt/fs-root-data',
  mounts: [],
  outputPaths: [],
};

const placeholders = {
  MailboxQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/floe-mailbox.fifo',
  ClusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/floe-steps',
  CacheCheckFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:floe-cache-check',
  HttpConnectionArn: 'arn:aws:events:eu-west-1:111122223333:connection/floe-http/0123',
};

const placement: ContainerPlacement = {
  taskDefinition: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/floe-step-python:3',
  subnets: ['subnet-1', 'subnet-2'],
  securityGroups: ['sg-1'],
  assignPublicIp: 'DISABLED',
  startedBy: 'job-run-000042-train-0123abcd',
};
const TASK_ARN = 'arn:aws:ecs:eu-west-1:111122223333:task/floe-steps/0123456789abcdef';

/** The stopped task of a container that exited with `code` (and `reason`), as `runTask.sync` returns it. */
const exitedWith = (code: number, reason?: string) => ({
  TaskArn: TASK_ARN,
  Containers: [{ ExitCode: code, ...(reason ? { Reason: reason } : {}) }],
  StopCode: 'EssentialContainerExited',
  StoppedReason: 'Essential container in task exited',
});
/** The stopped task of a container a user stopped. */
const stoppedByUser = {
  TaskArn: TASK_ARN,
  Containers: [{ ExitCode: 143 }],
  StopCode: 'UserInitiated',
  StoppedReason: 'stopped',
};
/** A job's cache block: with one, a container job checks the cache first. */
const cache = { firstFp: 'f', mainFsId: '', maxExpiredTime: '-1', inputArtifacts: {}, fsScope: [] };

/** Every key anywhere in a JSON value. */
const keysOf = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
};

describe('NodeMachine definition', () => {
  const definition = nodeMachineDefinition();
  const states = definition.States as unknown as States;

  it('is JSONPath-only ASL that the local interpreter runs as AWS does', () => {
    const keys = new Set(keysOf(definition));
    for (const unsupported of ['QueryLanguage', 'Assign', 'Arguments', 'Output', 'HeartbeatSeconds']) {
      expect(keys.has(unsupported), unsupported).toBe(false);
    }
    expect(JSON.stringify(definition)).not.toContain('{%');
    // The interpreter validates paths, ARNs, fields and reachability.
    expect(
      () => new StateMachine(substituteDefinition(definition, placeholders) as StateMachineDefinition),
    ).not.toThrow();
  });

  it('exports a name for every state (those within its Map too), and lists every Task state', () => {
    expect(Object.keys(allStates(definition)).sort()).toEqual(Object.values(NODE_STATES).sort());
    expect(taskStatesOf(definition)).toEqual([...NODE_TASK_STATES].sort());
  });

  it('reports to the mailbox through SQS with retries, grouped by run and deduplicated per execution', () => {
    for (const [name, kind] of [
      [NODE_STATES.reportStarted, 'started'],
      [NODE_STATES.reportFinished, 'finished'],
    ] as const) {
      const state = states[name]!;
      expect(state.Resource).toBe('arn:aws:states:::sqs:sendMessage');
      expect(state.Parameters).toMatchObject({
        QueueUrl: placeholder('MailboxQueueUrl'),
        'MessageGroupId.$': '$.job.runId',
        'MessageDeduplicationId.$': `States.Format('{}.${kind}', $$.Execution.Name)`,
        MessageBody: { 'runId.$': '$.job.runId', event: { type: kind, 'at.$': '$$.State.EnteredTime' } },
      });
      expect(state.Retry).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]);
    }
  });

  it("runs the container with the job command (the task definition's `sh -c` runs it) and its environment, for the timeout the input gives", () => {
    const execute = states[NODE_STATES.executeContainer]!;
    expect(execute).toMatchObject({
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      TimeoutSecondsPath: '$.timeoutSeconds',
      Parameters: {
        Cluster: placeholder('ClusterArn'),
        'TaskDefinition.$': '$.container.taskDefinition',
        LaunchType: 'FARGATE',
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            'Subnets.$': '$.container.subnets',
            'SecurityGroups.$': '$.container.securityGroups',
            'AssignPublicIp.$': '$.container.assignPublicIp',
          },
        },
        'StartedBy.$': '$.container.startedBy',
        Overrides: {
          ContainerOverrides: [
            {
              Name: 'step',
              'Command.$': 'States.Array($.containerCommand)',
              'Environment.$': '$.envList',
            },
          ],
        },
      },
      Catch: [
        { ErrorEquals: ['States.Timeout'], Next: NODE_STATES.listTimedOutTask },
        { ErrorEquals: ['States.ALL'], Next: NODE_STATES.executeError },
      ],
    });
    // A step's own retry policy is the machine's loop (CanRetry), not a Retry of the Task.
    expect(execute.Retry).toBeUndefined();
    expect(execute.TimeoutSeconds).toBeUndefined();
  });

  it('chooses the executor by the input, and reports a container outcome with its task ARN', () => {
    expect(states[NODE_STATES.selectExecutor]).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.executor', StringEquals: 'callback', Next: NODE_STATES.waitForCallback },
        { Variable: '$.executor', StringEquals: 'lambda', Next: NODE_STATES.executeLambda },
        { Variable: '$.executor', StringEquals: 'http', Next: NODE_STATES.httpWithBody },
      ],
      Default: NODE_STATES.executeContainer,
    });
    expect(states[NODE_STATES.succeeded]!.Parameters).toEqual({
      status: 'succeeded',
      message: '',
      'taskArn.$': '$.task.TaskArn',
    });
    expect(states[NODE_STATES.reportFinished]!.Parameters).toMatchObject({
      MessageBody: { event: { 'status.$': '$.outcome.status', 'taskArn.$': '$.outcome.taskArn' } },
    });
  });

  it("invokes a lambda step's function with its payload, for the timeout, failing into the retry path", () => {
    expect(states[NODE_STATES.executeLambda]).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { 'FunctionName.$': '$.lambda.function', 'Payload.$': '$.lambda.payload' },
      ResultSelector: { 'outputs.$': '$.Payload' },
      ResultPath: '$.result',
      TimeoutSecondsPath: '$.timeoutSeconds',
      Catch: [
        { ErrorEquals: ['States.Timeout'], Next: NODE_STATES.timedOut },
        { ErrorEquals: ['States.ALL'], Next: NODE_STATES.executeError },
      ],
      Next: NODE_STATES.reportOutputs,
    });
    expect(states[NODE_STATES.reportOutputs]!.Parameters).toMatchObject({
      MessageBody: { event: { type: 'finished', status: 'succeeded', 'outputs.$': '$.result.outputs' } },
    });
  });

  it("sends an http step's request through the connection, with a body only from the state that has one", () => {
    const common = {
      Resource: 'arn:aws:states:::http:invoke',
      TimeoutSecondsPath: '$.timeoutSeconds',
      ResultPath: '$.response',
      Catch: [
        { ErrorEquals: ['States.Timeout'], Next: NODE_STATES.timedOut },
        { ErrorEquals: ['States.ALL'], Next: NODE_STATES.executeError },
      ],
      Next: NODE_STATES.checkHttpResponse,
    };
    const request = {
      'ApiEndpoint.$': '$.http.url',
      'Method.$': '$.http.method',
      'Headers.$': '$.http.headers',
      Authentication: { ConnectionArn: placeholder('HttpConnectionArn') },
    };
    expect(states[NODE_STATES.executeHttp]).toMatchObject(common);
    expect(states[NODE_STATES.executeHttp]!.Parameters).toEqual(request);
    expect(states[NODE_STATES.executeHttpWithBody]).toMatchObject(common);
    expect(states[NODE_STATES.executeHttpWithBody]!.Parameters).toEqual({
      ...request,
      'RequestBody.$': '$.http.body',
    });
    expect(states[NODE_STATES.httpWithBody]).toMatchObject({
      Choices: [{ Variable: '$.http.hasBody', BooleanEquals: true, Next: NODE_STATES.executeHttpWithBody }],
      Default: NODE_STATES.executeHttp,
    });
  });

  it('reads the response body only once it is known to be there (a 204 or a HEAD answer has none)', () => {
    for (const name of [NODE_STATES.executeHttp, NODE_STATES.executeHttpWithBody])
      expect(states[name]!.ResultSelector).toBeUndefined();
    expect(states[NODE_STATES.checkHttpResponse]).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.response.ResponseBody', IsPresent: true, Next: NODE_STATES.httpResponseWithBody },
      ],
      Default: NODE_STATES.httpResponseWithoutBody,
    });
    const outputs = (body: Json) => ({
      Type: 'Pass',
      Parameters: { outputs: { 'status.$': '$.response.StatusCode', ...body } },
      ResultPath: '$.result',
      Next: NODE_STATES.reportOutputs,
    });
    expect(states[NODE_STATES.httpResponseWithBody]).toEqual(
      outputs({ 'body.$': '$.response.ResponseBody' }),
    );
    expect(states[NODE_STATES.httpResponseWithoutBody]).toEqual(outputs({ body: '' }));
  });

  it('stops the tasks of a container try that timed out, then reports it timed out whatever the stop did', () => {
    const toTimedOut = [
      { ErrorEquals: ['States.ALL'], ResultPath: '$.stopError', Next: NODE_STATES.timedOut },
    ];
    expect(states[NODE_STATES.listTimedOutTask]).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:ecs:listTasks',
      Parameters: { Cluster: placeholder('ClusterArn'), 'StartedBy.$': '$.container.startedBy' },
      ResultPath: '$.timedOutTasks',
      Retry: [expect.objectContaining({ ErrorEquals: ['States.ALL'] })],
      Catch: toTimedOut,
      Next: NODE_STATES.foundTimedOutTask,
    });
    expect(states[NODE_STATES.foundTimedOutTask]).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.timedOutTasks.TaskArns', IsPresent: true, Next: NODE_STATES.stopTimedOutTasks },
      ],
      Default: NODE_STATES.timedOut,
    });
    expect(states[NODE_STATES.stopTimedOutTasks]).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.timedOutTasks.TaskArns',
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: NODE_STATES.stopTimedOutTask },
      ResultPath: null,
      Catch: toTimedOut,
      Next: NODE_STATES.timedOut,
    });
    expect(allStates(definition)[NODE_STATES.stopTimedOutTask]).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:ecs:stopTask',
      Parameters: { Cluster: placeholder('ClusterArn'), 'Task.$': '$.taskArn', Reason: 'the step timed out' },
      End: true,
    });
  });

  it('has exactly the substitution placeholders the CDK construct fills', () => {
    const placeholdersUsed = [...JSON.stringify(definition).matchAll(/\$\{(\w+)\}/g)].map(
      (match) => match[1],
    );
    expect([...new Set(placeholdersUsed)].sort()).toEqual([...NODE_MACHINE_SUBSTITUTION_KEYS].sort());
    const substituted = JSON.stringify(substituteDefinition(definition, placeholders));
    expect(substituted).not.toMatch(/\$\{/);
    expect(substituted).toContain(placeholders.HttpConnectionArn);
  });
});

describe('toMachineInput', () => {
  it('carries the job, its environment as ECS {Name, Value} pairs and where its container runs', () => {
    expect(toMachineInput(job, placement)).toEqual({
      job,
      executor: 'container',
      envList: [
        { Name: 'GREETING', Value: 'hello world' },
        { Name: 'PF_RUN_ID', Value: 'run-000042' },
      ],
      container: placement,
      containerCommand: job.command,
      useCache: false,
      timeoutSeconds: 86_400,
      retryDelays: [],
      maxRetries: 0,
      retry: { count: 0 },
    });
    // Output artifacts are emptied and their directories made before the command; paths from the env.
    const withOutputs = {
      ...job,
      command: 'train > "$PF_OUTPUT_ARTIFACT_MODEL"',
      env: {
        PF_OUTPUT_ARTIFACT_MODEL: '/w/m',
        PF_OUTPUT_ARTIFACT_LOG: '/w/l',
        PF_INPUT_ARTIFACT_DATA: '/w/d',
      },
    };
    expect(toMachineInput(withOutputs).containerCommand).toBe(
      'rm -rf "$PF_OUTPUT_ARTIFACT_LOG" && mkdir -p "$(dirname "$PF_OUTPUT_ARTIFACT_LOG")" && ' +
        'rm -rf "$PF_OUTPUT_ARTIFACT_MODEL" && mkdir -p "$(dirname "$PF_OUTPUT_ARTIFACT_MODEL")" || exit 1\n' +
        'train > "$PF_OUTPUT_ARTIFACT_MODEL"',
    );
    // Run by sh as the container would: a stale output is gone, the new one's directory exists.
    const root = mkdtempSync(join(tmpdir(), 'floe-outputs-'));
    mkdirSync(join(root, 'old'));
    writeFileSync(join(root, 'old', 'model'), 'stale');
    const env = {
      PF_OUTPUT_ARTIFACT_MODEL: join(root, 'old', 'model'),
      PF_OUTPUT_ARTIFACT_LOG: join(root, 'new', 'log'),
    };
    const script = toMachineInput({
      ...job,
      command: 'cat "$PF_OUTPUT_ARTIFACT_MODEL" 2>/dev/null; echo ran > "$PF_OUTPUT_ARTIFACT_LOG"',
      env,
    }).containerCommand;
    expect(execFileSync('sh', ['-c', script], { env: { ...process.env, ...env }, encoding: 'utf8' })).toBe(
      '',
    );
    expect(readFileSync(join(root, 'new', 'log'), 'utf8')).toBe('ran\n');
    rmSync(root, { recursive: true, force: true });
    // Locally (and for a job that runs no task) the placement is a placeholder, so the paths exist.
    expect(toMachineInput(job).container).toEqual(LOCAL_PLACEMENT);
    expect(toMachineInput({ ...job, env: {} }).envList).toEqual([]);
    expect(toMachineInput({ ...job, cache }).useCache).toBe(true);
  });

  it("carries a step's timeout and retry waits, and sends a callback step to wait (a week by default, no cache)", () => {
    expect(toMachineInput({ ...job, timeoutSeconds: 30, retryDelays: [1, 2, 4] })).toMatchObject({
      executor: 'container',
      timeoutSeconds: 30,
      retryDelays: [1, 2, 4],
      maxRetries: 3,
    });
    expect(toMachineInput({ ...job, wait: 'approval', cache })).toMatchObject({
      executor: 'callback',
      useCache: false,
      timeoutSeconds: 7 * 86_400,
    });
  });

  it("carries a lambda step's function and payload (no function: empty), fifteen minutes by default", () => {
    const payload = { rate: 0.5, name: 'x' };
    const lambdaJob: JobSpec = {
      ...job,
      command: '',
      lambda: { function: 'arn:fn', module: 'f.mjs', payload },
    };
    expect(toMachineInput(lambdaJob)).toMatchObject({
      executor: 'lambda',
      lambda: { function: 'arn:fn', payload },
      container: LOCAL_PLACEMENT,
      useCache: false,
      timeoutSeconds: 900,
    });
    expect(toMachineInput({ ...lambdaJob, lambda: { module: 'f.mjs', payload } }).lambda).toEqual({
      function: '',
      payload,
    });
    expect(toMachineInput(lambdaJob)).not.toHaveProperty('http');
  });

  it("carries an http step's request, with its body only when it has one, a minute by default", () => {
    const http = { method: 'POST', url: 'https://x.test/a', headers: { 'x-a': '1' }, body: '{"a":1}' };
    expect(toMachineInput({ ...job, command: '', http, timeoutSeconds: 5 })).toMatchObject({
      executor: 'http',
      http: { ...http, hasBody: true },
      timeoutSeconds: 5,
    });
    const { body: _, ...bodiless } = http;
    const input = toMachineInput({ ...job, command: '', http: bodiless });
    expect(input.http).toEqual({ ...bodiless, hasBody: false });
    expect(input).toMatchObject({ executor: 'http', timeoutSeconds: 60 });
    expect(input).not.toHaveProperty('lambda');
  });
});

const machine = new StateMachine(
  forLocalInterpreter(substituteDefinition(nodeMachineDefinition(), placeholders)),
);

interface Answers {
  /** What the container step answers (or throws), or one per try. */
  task?: unknown;
  tries?: unknown[];
  /** What a lambda or http step's call answers (or throws) on each try; 'hang' never answers. */
  calls?: unknown[];
  verdicts?: unknown[];
  /** What the callback wait resolves with (or throws); it never resolves without one. */
  callback?: unknown;
}

/**
 * Runs one execution of `input` on the local interpreter: the container step answers `task` (or throws it),
 * or `tries` in turn; the cache check answers `verdicts` in turn (or throws); a callback wait answers
 * `callback`. Returns the checks asked, how often the container ran, the events sent to the mailbox, and
 * the messages the waits sent.
 */
async function execute(input: JobSpec, { task, tries, calls = [], verdicts = [], callback }: Answers) {
  const sent: Json[] = [];
  const checks: Json[] = [];
  const waits: Json[] = [];
  /** What each call of a lambda or http step was asked, with the state that asked. */
  const asked: { state: string; parameters: Json }[] = [];
  let containers = 0;
  /** The ListTasks and StopTask requests of a try that timed out. */
  const stopping: Json[] = [];
  const call = (state: string) => async (parameters: unknown) => {
    const answer = calls[asked.length];
    asked.push({ state, parameters: parameters as Json });
    if (answer instanceof Error) throw answer;
    if (answer === 'hang') return new Promise(() => {}) as never;
    return answer as never;
  };
  const send = (message: unknown) => {
    sent.push(message as Json);
    return {};
  };
  const machineInput = toMachineInput(input, placement) as never;
  await machine.run(machineInput, {
    context: {
      Execution: { Name: 'run-000042.dag1_0.train.2', Input: machineInput },
      State: { EnteredTime: '2026-11-22T10:00:00.000Z' },
      Task: { Token: 'token-1' },
    },
    overrides: {
      taskResourceLocalHandlers: {
        [NODE_STATES.checkCache]: (parameters: unknown) => {
          checks.push(parameters as Json);
          const verdict = verdicts.shift();
          if (verdict instanceof Error) throw verdict;
          return { Payload: verdict, StatusCode: 200 } as never;
        },
        [NODE_STATES.reportCacheHit]: send,
        [NODE_STATES.reportStarted]: send,
        [NODE_STATES.executeContainer]: async () => {
          const answer = tries ? tries[containers] : task;
          containers++;
          if (answer instanceof Error) throw answer;
          if (answer === 'hang') return new Promise(() => {}) as never;
          return answer as never;
        },
        [NODE_STATES.listTimedOutTask]: (parameters: unknown) => {
          stopping.push(parameters as Json);
          return { TaskArns: [TASK_ARN] } as never;
        },
        [NODE_STATES.stopTimedOutTask]: (parameters: unknown) => {
          stopping.push(parameters as Json);
          return { Task: { TaskArn: TASK_ARN } } as never;
        },
        [NODE_STATES.waitForCallback]: (message: unknown) => {
          send(message);
          waits.push(message as Json);
          if (callback instanceof Error) throw callback;
          return (callback ?? new Promise(() => {})) as never;
        },
        [NODE_STATES.executeLambda]: call(NODE_STATES.executeLambda),
        [NODE_STATES.executeHttp]: call(NODE_STATES.executeHttp),
        [NODE_STATES.executeHttpWithBody]: call(NODE_STATES.executeHttpWithBody),
        [NODE_STATES.reportOutputs]: send,
        [NODE_STATES.reportRetrying]: send,
        [NODE_STATES.reportResolved]: send,
        [NODE_STATES.reportRejected]: send,
        [NODE_STATES.reportFinished]: send,
      },
      waitTimeOverrides: { [NODE_STATES.waitForCachedJob]: 1, [NODE_STATES.waitBeforeRetry]: 1 },
      retryIntervalOverrides: { [NODE_STATES.checkCache]: 1 },
    },
  }).result;
  const events = sent.map((message) => (message.MessageBody as { event: Json }).event);
  return { checks, containers, events, waits, asked, stopping };
}

describe('NodeMachine outcomes (local interpreter)', () => {
  /** Runs one execution whose container step answers `task` (or throws it); returns the finished event. */
  async function finish(task: unknown) {
    const { events } = await execute(job, { task });
    expect(events).toHaveLength(2);
    return events[1]!;
  }

  it('reports succeeded for exit code 0', async () => {
    expect(await finish(exitedWith(0))).toEqual({
      type: 'finished',
      key: job.key,
      attempt: 2,
      status: 'succeeded',
      message: '',
      taskArn: TASK_ARN,
      at: '2026-11-22T10:00:00.000Z',
    });
  });

  it('reports failed with the exit code, and the container reason when ECS gives one', async () => {
    expect(await finish(exitedWith(3))).toMatchObject({
      status: 'failed',
      message: 'exit code 3',
    });
    expect(
      await finish(exitedWith(137, 'OutOfMemoryError: Container killed due to memory usage')),
    ).toMatchObject({
      status: 'failed',
      message: 'exit code 137: OutOfMemoryError: Container killed due to memory usage',
    });
  });

  it('reports terminated for a task stopped by a user', async () => {
    expect(await finish(stoppedByUser)).toMatchObject({ status: 'terminated', taskArn: TASK_ARN });
  });

  it('reports failed with the stop reason for a container that never ran, and still without one', async () => {
    expect(
      await finish({
        TaskArn: TASK_ARN,
        Containers: [{}],
        StopCode: 'TaskFailedToStart',
        StoppedReason: 'CannotPullContainerError: not found',
      }),
    ).toMatchObject({ status: 'failed', message: 'CannotPullContainerError: not found', taskArn: TASK_ARN });
    expect(
      await finish({ TaskArn: TASK_ARN, Containers: [{}], StopCode: 'TaskFailedToStart' }),
    ).toMatchObject({
      status: 'failed',
      message: 'the container did not run',
    });
  });

  it('reports failed with the error when the container step itself fails', async () => {
    expect(await finish(new Error('no such task definition'))).toMatchObject({
      status: 'failed',
      message: 'Error: no such task definition',
      // No task ran.
      taskArn: '',
    });
  });
});

describe('NodeMachine cache states (local interpreter)', () => {
  const cachedJob: JobSpec = {
    ...job,
    cache: {
      firstFp: 'f'.repeat(64),
      mainFsId: 'fs-root-data',
      maxExpiredTime: '-1',
      inputArtifacts: {},
      fsScope: [],
    },
  };
  const hitEvent = {
    type: 'finished',
    key: job.key,
    attempt: 2,
    status: 'succeeded',
    message: 'from the cache',
    at: '2026-11-22T10:00:01.000Z',
    cached: { runId: 'run-000041', jobId: 'job-run-000041-train-00000000', outputArtifacts: {} },
  };

  /** Runs one execution whose cache check answers `verdicts` in turn (or throws); returns what it did. */
  const run = (input: JobSpec, verdicts: unknown[]) => execute(input, { task: exitedWith(0), verdicts });

  it('skips the check for a job without cache', async () => {
    const { checks, containers, events } = await run(job, []);
    expect(checks).toEqual([]);
    expect(containers).toBe(1);
    expect(events.map((event) => event.type)).toEqual(['started', 'finished']);
  });

  it('asks the cache-check function with the job and the execution start', async () => {
    const before = Date.now();
    const { checks } = await run(cachedJob, [{ outcome: 'miss' }]);
    expect(checks).toEqual([
      {
        FunctionName: placeholders.CacheCheckFunctionArn,
        Payload: { job: cachedJob, since: expect.any(String) },
      },
    ]);
    // The interpreter sets the execution's start time itself, as Step Functions does.
    const since = Date.parse((checks[0]!.Payload as { since: string }).since);
    expect(since).toBeGreaterThanOrEqual(before - 1000);
    expect(since).toBeLessThanOrEqual(Date.now());
  });

  it('reports a hit as the finished event the check built, without running the job', async () => {
    const { containers, events } = await run(cachedJob, [
      { outcome: 'hit', cacheId: 'cch-000001', event: hitEvent },
    ]);
    expect(containers).toBe(0);
    expect(events).toEqual([hitEvent]);
  });

  it('waits for a cached job still running, then takes its result', async () => {
    const { checks, containers, events } = await run(cachedJob, [
      { outcome: 'wait', cacheId: 'cch-000001', waitSeconds: 3 },
      { outcome: 'wait', cacheId: 'cch-000001', waitSeconds: 3 },
      { outcome: 'hit', cacheId: 'cch-000001', event: hitEvent },
    ]);
    expect(checks).toHaveLength(3);
    expect(containers).toBe(0);
    expect(events).toEqual([hitEvent]);
  });

  it('runs the job on a miss, and when the check itself fails', async () => {
    for (const verdicts of [[{ outcome: 'miss', cacheId: 'cch-000002' }], [new Error('boom')]]) {
      const { containers, events } = await run(cachedJob, verdicts);
      expect(containers).toBe(1);
      expect(events.map((event) => event.type)).toEqual(['started', 'finished']);
    }
  });
});

describe('NodeMachine retry policy and timeout (local interpreter)', () => {
  it('tries a failed container again after each wait, reporting every retry, until one succeeds', async () => {
    const { containers, events } = await execute(
      { ...job, retryDelays: [1, 2, 4] },
      { tries: [exitedWith(3), exitedWith(4), exitedWith(0)] },
    );
    expect(containers).toBe(3);
    expect(events.map((event) => [event.type, event.retry ?? event.status])).toEqual([
      ['started', undefined],
      ['retrying', 1],
      ['retrying', 2],
      ['finished', 'succeeded'],
    ]);
    expect(events[1]).toMatchObject({ key: job.key, attempt: 2, message: 'exit code 3' });
    expect(events[2]).toMatchObject({ message: 'exit code 4' });
  });

  it('reports the last failure once the retries are spent', async () => {
    const { containers, events } = await execute(
      { ...job, retryDelays: [0, 0] },
      { tries: [exitedWith(1), exitedWith(2), exitedWith(5)] },
    );
    expect(containers).toBe(3);
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'failed', message: 'exit code 5' });
    expect(events.filter((event) => event.type === 'retrying')).toHaveLength(2);
  });

  it('never retries a stopped container, and never retries without a policy', async () => {
    const stop = await execute({ ...job, retryDelays: [0, 0] }, { tries: [stoppedByUser, exitedWith(0)] });
    expect(stop.containers).toBe(1);
    expect(stop.events.at(-1)).toMatchObject({ status: 'terminated' });
    const once = await execute(job, { tries: [exitedWith(1), exitedWith(0)] });
    expect(once.containers).toBe(1);
    expect(once.events.at(-1)).toMatchObject({ status: 'failed', message: 'exit code 1' });
  });

  it('fails a try that runs past the timeout once its task is stopped, and retries it like any failure', async () => {
    const { containers, events, stopping } = await execute(
      { ...job, timeoutSeconds: 1, retryDelays: [0] },
      { tries: ['hang', exitedWith(0)] },
    );
    expect(containers).toBe(2);
    expect(stopping).toEqual([
      { Cluster: placeholders.ClusterArn, StartedBy: placement.startedBy },
      { Cluster: placeholders.ClusterArn, Task: TASK_ARN, Reason: 'the step timed out' },
    ]);
    expect(events[1]).toMatchObject({ type: 'retrying', retry: 1, message: 'timed out after 1 seconds' });
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'succeeded' });
  }, 10_000);
});

describe('NodeMachine callback steps (local interpreter)', () => {
  const waiting = { ...job, command: '', wait: 'approval' as const, timeoutSeconds: 1 };
  const result = { user: 'alice', at: '2026-11-22T10:01:00.000Z', decision: 'succeeded', data: { ok: 1 } };

  it('posts a waiting event with the task token, never runs a container, and reports the answer', async () => {
    const { containers, events, waits } = await execute(waiting, {
      callback: { status: 'succeeded', message: 'approved by alice', result },
    });
    expect(containers).toBe(0);
    expect(waits[0]).toMatchObject({
      QueueUrl: placeholders.MailboxQueueUrl,
      MessageGroupId: job.runId,
      // One message per token: a retried send (a new token) is not dropped as a repeat.
      MessageDeduplicationId: createHash('sha256').update('token-1').digest('hex'),
    });
    expect(events.map((event) => event.type)).toEqual(['started', 'waiting', 'finished']);
    expect(events[1]).toEqual({
      type: 'waiting',
      key: job.key,
      attempt: 2,
      token: 'token-1',
      at: '2026-11-22T10:00:00.000Z',
    });
    expect(events[2]).toMatchObject({ status: 'succeeded', message: 'approved by alice', callback: result });
  });

  it('reports a rejection (SendTaskFailure) as failed, with its message and who rejected', async () => {
    const rejected = { ...result, decision: 'failed', message: 'not today' };
    const failure = new Error(
      JSON.stringify({ status: 'failed', message: 'rejected by alice: not today', result: rejected }),
    );
    failure.name = 'Floe.CallbackFailed';
    const { events } = await execute(waiting, { callback: failure });
    expect(events.at(-1)).toMatchObject({
      type: 'finished',
      status: 'failed',
      message: 'rejected by alice: not today',
      callback: rejected,
    });
  });

  it('fails a wait nobody answers within its timeout, without retrying it', async () => {
    const { events } = await execute(waiting, {});
    expect(events.at(-1)).toMatchObject({
      type: 'finished',
      status: 'failed',
      message: 'timed out after 1 seconds',
    });
    expect(events.filter((event) => event.type === 'retrying')).toEqual([]);
  }, 10_000);
});

describe('NodeMachine lambda and http steps (local interpreter)', () => {
  const lambdaJob: JobSpec = {
    ...job,
    command: '',
    lambda: { function: 'arn:aws:lambda:eu-west-1:111122223333:function:score', payload: { rate: 0.5 } },
  };
  const http = { method: 'POST', url: 'https://api.test/items/7', headers: { 'x-key': 'k' } };
  /** A function error as Step Functions' lambda:invoke reports it. */
  const functionError = (message: string) =>
    Object.assign(new Error(JSON.stringify({ errorMessage: message, errorType: 'TypeError' })), {
      name: 'TypeError',
    });

  it('invokes the function with the payload and reports what it returned as the outputs', async () => {
    const { asked, containers, events } = await execute(lambdaJob, {
      calls: [{ Payload: { score: 0.9 }, StatusCode: 200 }],
    });
    expect(containers).toBe(0);
    expect(asked).toEqual([
      {
        state: NODE_STATES.executeLambda,
        parameters: { FunctionName: lambdaJob.lambda!.function, Payload: { rate: 0.5 } },
      },
    ]);
    expect(events).toEqual([
      { type: 'started', key: job.key, attempt: 2, at: '2026-11-22T10:00:00.000Z' },
      {
        type: 'finished',
        key: job.key,
        attempt: 2,
        status: 'succeeded',
        message: '',
        outputs: { score: 0.9 },
        at: '2026-11-22T10:00:00.000Z',
      },
    ]);
  });

  it("fails with the function's error, and retries it per the step's policy", async () => {
    const once = await execute(lambdaJob, { calls: [functionError('boom')] });
    expect(once.events.at(-1)).toMatchObject({
      status: 'failed',
      message: 'TypeError: {"errorMessage":"boom","errorType":"TypeError"}',
      taskArn: '',
    });
    const retried = await execute(
      { ...lambdaJob, retryDelays: [0] },
      { calls: [functionError('flaky'), { Payload: 7 }] },
    );
    expect(retried.asked).toHaveLength(2);
    expect(retried.events.map((event) => event.type)).toEqual(['started', 'retrying', 'finished']);
    expect(retried.events.at(-1)).toMatchObject({ status: 'succeeded', outputs: 7 });
  });

  it('fails a call that runs past the timeout', async () => {
    const { events } = await execute({ ...lambdaJob, timeoutSeconds: 1 }, { calls: ['hang'] });
    expect(events.at(-1)).toMatchObject({ status: 'failed', message: 'timed out after 1 seconds' });
  }, 10_000);

  it('sends the request without a body, or with one, and reports the status and body as the outputs', async () => {
    const answer = { StatusCode: 201, StatusText: 'Created', Headers: {}, ResponseBody: { id: 7 } };
    const bodiless = await execute({ ...job, command: '', http }, { calls: [answer] });
    expect(bodiless.asked).toEqual([
      {
        state: NODE_STATES.executeHttp,
        parameters: {
          ApiEndpoint: http.url,
          Method: 'POST',
          Headers: { 'x-key': 'k' },
          Authentication: { ConnectionArn: placeholders.HttpConnectionArn },
        },
      },
    ]);
    expect(bodiless.events.at(-1)).toMatchObject({
      type: 'finished',
      status: 'succeeded',
      outputs: { status: 201, body: { id: 7 } },
    });
    const withBody = await execute(
      { ...job, command: '', http: { ...http, body: 'a=1' } },
      { calls: [answer] },
    );
    expect(withBody.asked[0]).toMatchObject({
      state: NODE_STATES.executeHttpWithBody,
      parameters: { RequestBody: 'a=1' },
    });
  });

  it('reports an answer without a body (a 204) with an empty body', async () => {
    const answer = { StatusCode: 204, StatusText: 'No Content', Headers: {} };
    const { events } = await execute({ ...job, command: '', http }, { calls: [answer] });
    expect(events.at(-1)).toMatchObject({
      type: 'finished',
      status: 'succeeded',
      outputs: { status: 204, body: '' },
    });
  });

  it('fails a non-2xx answer naming the status', async () => {
    const error = Object.assign(new Error('HTTP 500 Internal Server Error: down'), {
      name: 'States.Http.StatusCode.500',
    });
    const { events } = await execute({ ...job, command: '', http }, { calls: [error] });
    expect(events.at(-1)).toMatchObject({
      status: 'failed',
      message: 'States.Http.StatusCode.500: HTTP 500 Internal Server Error: down',
    });
  });
});
