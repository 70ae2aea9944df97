import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
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

  it('runs the container with the job command through bash and its environment, for at most a day', () => {
    const execute = states[NODE_STATES.executeContainer]!;
    expect(execute).toMatchObject({
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      TimeoutSeconds: 86_400,
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
      Catch: [{ ErrorEquals: ['States.ALL'], Next: NODE_STATES.executeError }],
    });
    expect(execute.Retry).toBeUndefined();
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
    });
    expect(toMachineInput({ ...job, env: {} }).envList).toEqual([]);
    const cache = { firstFp: 'f', mainFsId: '', maxExpiredTime: '-1', inputArtifacts: {}, fsScope: [] };
    expect(toMachineInput({ ...job, cache }).useCache).toBe(true);
  });
});

const machine = new StateMachine(
  substituteDefinition(nodeMachineDefinition(), placeholders) as StateMachineDefinition,
);

/**
 * Runs one execution of `input` on the local interpreter: the container step answers `task` (or throws it),
 * the cache check answers `verdicts` in turn (or throws). Returns the checks asked, how often the container
 * ran, and the events sent to the mailbox.
 */
async function execute(input: JobSpec, { task, verdicts = [] }: { task: unknown; verdicts?: unknown[] }) {
  const sent: Json[] = [];
  const checks: Json[] = [];
  let containers = 0;
  const send = (message: unknown) => {
    sent.push(message as Json);
    return {};
  };
  await machine.run(toMachineInput(input) as never, {
    context: {
      Execution: { Name: 'run-000042.dag1_0.train.2' },
      State: { EnteredTime: '2026-11-22T10:00:00.000Z' },
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
        [NODE_STATES.executeContainer]: () => {
          containers++;
          if (task instanceof Error) throw task;
          return task as never;
        },
        [NODE_STATES.reportFinished]: send,
      },
      waitTimeOverrides: { [NODE_STATES.waitForCachedJob]: 1 },
      retryIntervalOverrides: { [NODE_STATES.checkCache]: 1 },
    },
  }).result;
  const events = sent.map((message) => (message.MessageBody as { event: Json }).event);
  return { checks, containers, events };
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
