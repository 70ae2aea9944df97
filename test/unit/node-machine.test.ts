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
    });
    expect(toMachineInput({ ...job, env: {} }).envList).toEqual([]);
  });
});

describe('NodeMachine outcomes (local interpreter)', () => {
  const machine = new StateMachine(
    substituteDefinition(nodeMachineDefinition(), placeholders) as StateMachineDefinition,
  );

  /** Runs one execution whose container step answers `task` (or throws it); returns the finished event. */
  async function finish(task: unknown) {
    const sent: Json[] = [];
    const send = (input: unknown) => {
      sent.push(input as Json);
      return {};
    };
    await machine.run(toMachineInput(job) as never, {
      context: {
        Execution: { Name: 'run-000042.dag1_0.train.2' },
        State: { EnteredTime: '2026-11-22T10:00:00.000Z' },
      },
      overrides: {
        taskResourceLocalHandlers: {
          [NODE_STATES.reportStarted]: send,
          [NODE_STATES.executeContainer]: () => {
            if (task instanceof Error) throw task;
            return task as never;
          },
          [NODE_STATES.reportFinished]: send,
        },
      },
    }).result;
    expect(sent).toHaveLength(2);
    return (sent[1]!.MessageBody as { event: Json }).event;
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
