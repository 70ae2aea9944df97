import { createHash } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { forLocalInterpreter } from '../../infra/local/node-machine-runner.ts';
import type { JobSpec } from '../../shared/engine/run/model.ts';
import {
  NODE_MACHINE_SUBSTITUTION_KEYS,
  NODE_STATES,
  NODE_TASK_STATES,
  nodeMachineDefinition,
  placeholder,
  substituteDefinition,
  toMachineInput,
} from '../../shared/machines/node-machine.ts';

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
  TaskDefinitionArn: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/floe-step:3',
  CacheCheckFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:floe-cache-check',
};

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

  it('exports a name for every state, and lists every Task state', () => {
    expect(Object.keys(states).sort()).toEqual(Object.values(NODE_STATES).sort());
    const tasks = Object.entries(states)
      .filter(([, state]) => state.Type === 'Task')
      .map(([name]) => name);
    expect(tasks.sort()).toEqual([...NODE_TASK_STATES].sort());
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

  it('runs the container with the job command through bash and its environment, for the timeout the input gives', () => {
    const execute = states[NODE_STATES.executeContainer]!;
    expect(execute).toMatchObject({
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      TimeoutSecondsPath: '$.timeoutSeconds',
      Parameters: {
        Cluster: placeholder('ClusterArn'),
        TaskDefinition: placeholder('TaskDefinitionArn'),
        LaunchType: 'FARGATE',
        Overrides: {
          ContainerOverrides: [
            {
              Name: 'step',
              'Command.$': "States.Array('bash', '-c', $.job.command)",
              'Environment.$': '$.envList',
            },
          ],
        },
      },
      Catch: [
        { ErrorEquals: ['States.Timeout'], Next: NODE_STATES.timedOut },
        { ErrorEquals: ['States.ALL'], Next: NODE_STATES.executeError },
      ],
    });
    // A step's own retry policy is the machine's loop (CanRetry), not a Retry of the Task.
    expect(execute.Retry).toBeUndefined();
    expect(execute.TimeoutSeconds).toBeUndefined();
  });

  it('has exactly the substitution placeholders the CDK construct fills', () => {
    const placeholdersUsed = [...JSON.stringify(definition).matchAll(/\$\{(\w+)\}/g)].map(
      (match) => match[1],
    );
    expect([...new Set(placeholdersUsed)].sort()).toEqual([...NODE_MACHINE_SUBSTITUTION_KEYS].sort());
    const substituted = JSON.stringify(substituteDefinition(definition, placeholders));
    expect(substituted).not.toMatch(/\$\{/);
    expect(substituted).toContain(placeholders.TaskDefinitionArn);
  });
});

describe('toMachineInput', () => {
  it('carries the job and its environment as ECS {Name, Value} pairs', () => {
    expect(toMachineInput(job)).toEqual({
      job,
      envList: [
        { Name: 'GREETING', Value: 'hello world' },
        { Name: 'PF_RUN_ID', Value: 'run-000042' },
      ],
      useCache: false,
      waits: false,
      timeoutSeconds: 86_400,
      retryDelays: [],
      maxRetries: 0,
      retry: { count: 0 },
    });
    expect(toMachineInput({ ...job, env: {} }).envList).toEqual([]);
    const cache = { firstFp: 'f', mainFsId: '', maxExpiredTime: '-1', inputArtifacts: {}, fsScope: [] };
    expect(toMachineInput({ ...job, cache }).useCache).toBe(true);
  });

  it("carries a step's timeout and retry waits, and sends a callback step to wait (a week by default, no cache)", () => {
    expect(toMachineInput({ ...job, timeoutSeconds: 30, retryDelays: [1, 2, 4] })).toMatchObject({
      waits: false,
      timeoutSeconds: 30,
      retryDelays: [1, 2, 4],
      maxRetries: 3,
    });
    const cache = { firstFp: 'f', mainFsId: '', maxExpiredTime: '-1', inputArtifacts: {}, fsScope: [] };
    expect(toMachineInput({ ...job, wait: 'approval', cache })).toMatchObject({
      waits: true,
      useCache: false,
      timeoutSeconds: 7 * 86_400,
    });
  });
});

const machine = new StateMachine(
  forLocalInterpreter(substituteDefinition(nodeMachineDefinition(), placeholders)),
);

interface Answers {
  /** What the container step answers (or throws), or one per try. */
  task?: unknown;
  tries?: unknown[];
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
async function execute(input: JobSpec, { task, tries, verdicts = [], callback }: Answers) {
  const sent: Json[] = [];
  const checks: Json[] = [];
  const waits: Json[] = [];
  let containers = 0;
  const send = (message: unknown) => {
    sent.push(message as Json);
    return {};
  };
  const machineInput = toMachineInput(input) as never;
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
        [NODE_STATES.waitForCallback]: (message: unknown) => {
          send(message);
          waits.push(message as Json);
          if (callback instanceof Error) throw callback;
          return (callback ?? new Promise(() => {})) as never;
        },
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
  return { checks, containers, events, waits };
}

describe('NodeMachine outcomes (local interpreter)', () => {
  /** Runs one execution whose container step answers `task` (or throws it); returns the finished event. */
  async function finish(task: unknown) {
    const { events } = await execute(job, { task });
    expect(events).toHaveLength(2);
    return events[1]!;
  }

  const exited = {
    StopCode: 'EssentialContainerExited',
    StoppedReason: 'Essential container in task exited',
  };

  it('reports succeeded for exit code 0', async () => {
    expect(await finish({ Containers: [{ ExitCode: 0 }], ...exited })).toEqual({
      type: 'finished',
      key: job.key,
      attempt: 2,
      status: 'succeeded',
      message: '',
      at: '2026-11-22T10:00:00.000Z',
    });
  });

  it('reports failed with the exit code, and the container reason when ECS gives one', async () => {
    expect(await finish({ Containers: [{ ExitCode: 3 }], ...exited })).toMatchObject({
      status: 'failed',
      message: 'exit code 3',
    });
    expect(
      await finish({
        Containers: [{ ExitCode: 137, Reason: 'OutOfMemoryError: Container killed due to memory usage' }],
        ...exited,
      }),
    ).toMatchObject({
      status: 'failed',
      message: 'exit code 137: OutOfMemoryError: Container killed due to memory usage',
    });
  });

  it('reports terminated for a task stopped by a user', async () => {
    expect(
      await finish({ Containers: [{ ExitCode: 143 }], StopCode: 'UserInitiated', StoppedReason: 'stopped' }),
    ).toMatchObject({ status: 'terminated' });
  });

  it('reports failed with the stop reason for a container that never ran, and still without one', async () => {
    expect(
      await finish({
        Containers: [{}],
        StopCode: 'TaskFailedToStart',
        StoppedReason: 'CannotPullContainerError: not found',
      }),
    ).toMatchObject({ status: 'failed', message: 'CannotPullContainerError: not found' });
    expect(await finish({ Containers: [{}], StopCode: 'TaskFailedToStart' })).toMatchObject({
      status: 'failed',
      message: 'the container did not run',
    });
  });

  it('reports failed with the error when the container step itself fails', async () => {
    expect(await finish(new Error('no such task definition'))).toMatchObject({
      status: 'failed',
      message: 'Error: no such task definition',
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

  const exitedZero = { Containers: [{ ExitCode: 0 }], StopCode: 'EssentialContainerExited' };
  /** Runs one execution whose cache check answers `verdicts` in turn (or throws); returns what it did. */
  const run = (input: JobSpec, verdicts: unknown[]) => execute(input, { task: exitedZero, verdicts });

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
  const exitedWith = (code: number) => ({
    Containers: [{ ExitCode: code }],
    StopCode: 'EssentialContainerExited',
    StoppedReason: 'Essential container in task exited',
  });

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
    const stopped = { Containers: [{ ExitCode: 143 }], StopCode: 'UserInitiated', StoppedReason: 'stop' };
    const stop = await execute({ ...job, retryDelays: [0, 0] }, { tries: [stopped, exitedWith(0)] });
    expect(stop.containers).toBe(1);
    expect(stop.events.at(-1)).toMatchObject({ status: 'terminated' });
    const once = await execute(job, { tries: [exitedWith(1), exitedWith(0)] });
    expect(once.containers).toBe(1);
    expect(once.events.at(-1)).toMatchObject({ status: 'failed', message: 'exit code 1' });
  });

  it('fails a try that runs past the timeout, and retries it like any failure', async () => {
    const { containers, events } = await execute(
      { ...job, timeoutSeconds: 1, retryDelays: [0] },
      { tries: ['hang', exitedWith(0)] },
    );
    expect(containers).toBe(2);
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
