import { createHash } from 'node:crypto';
import { ClientException, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidArn,
  InvalidOutput,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { QueueDoesNotExist, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobSpec, RunEvent } from '../../shared/engine/run/model.ts';
import { toMachineInput } from '../../shared/machines/node-machine.ts';
import { AwsDispatcher, executionArn } from '../../shared/runtime/aws-dispatcher.ts';
import { EcsContainerPlacer, startedByOf } from '../../shared/runtime/ecs-container-placer.ts';
import type { ContainerPlacement } from '../../shared/runtime/ports.ts';
import { SfnTaskTokens } from '../../shared/runtime/sfn-task-tokens.ts';
import { SqsMailbox } from '../../shared/runtime/sqs-mailbox.ts';
import { described, noFamilyYet, registered, stubStepEnv } from '../support/ecs-steps.ts';

const sfn = mockClient(SFNClient);
const sqs = mockClient(SQSClient);
const ecs = mockClient(ECSClient);
afterEach(() => {
  sfn.reset();
  sqs.reset();
  ecs.reset();
  vi.unstubAllEnvs();
});

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Floe-NodeMachine';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/111122223333/Floe-Mailbox.fifo';
const metadata = { $metadata: {} };

const job: JobSpec = {
  runId: 'run-000003',
  key: 'dag1[1].train',
  attempt: 2,
  jobId: 'job-run-000003-train-1-0a1b2c3d',
  jobName: 'run-000003-train-1',
  stepName: 'train',
  command: 'python train.py',
  dockerEnv: 'python:3.12',
  env: { PF_RUN_ID: 'run-000003', EPOCHS: '3' },
  mounts: [],
  outputPaths: [],
};

describe('executionArn', () => {
  it("turns the machine's ARN into one of its executions'", () => {
    expect(executionArn(MACHINE, 'run-000003.dag1_1.train.2')).toBe(
      'arn:aws:states:eu-west-1:111122223333:execution:Floe-NodeMachine:run-000003.dag1_1.train.2',
    );
    expect(executionArn('arn:aws-cn:states:cn-north-1:111122223333:stateMachine:M', 'x')).toBe(
      'arn:aws-cn:states:cn-north-1:111122223333:execution:M:x',
    );
    expect(() => executionArn('arn:aws:lambda:eu-west-1:111122223333:function:f', 'x')).toThrow(
      /state machine/,
    );
  });
});

/** The container's placer, for real: ECS (mocked) knows no family yet, so it registers the job's. */
function ecsPlacer() {
  stubStepEnv();
  noFamilyYet(ecs);
  return new EcsContainerPlacer();
}

describe('AwsDispatcher (Step Functions)', () => {
  it("starts the execution named for the attempt, with the machine input and the container's placement", async () => {
    vi.stubEnv('FLOE_NODE_MACHINE_ARN', MACHINE);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    await new AwsDispatcher(undefined, ecsPlacer()).dispatch(job);
    // The job's own task definition, registered before the start.
    const registrations = registered(ecs);
    expect(registrations).toHaveLength(1);
    const [definition] = registrations;
    expect(definition!.containerDefinitions![0]!.image).toBe(job.dockerEnv);
    const placement: ContainerPlacement = {
      taskDefinition: described(definition!.family!, 1).taskDefinitionArn,
      subnets: ['subnet-0a1', 'subnet-0b2'],
      securityGroups: ['sg-0c3'],
      assignPublicIp: 'DISABLED',
      startedBy: startedByOf(job.jobId),
    };
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      name: 'run-000003.dag1_1.train.2',
      // What the input holds is toMachineInput's (node-machine.test.ts); the dispatcher sends it as it is.
      input: JSON.stringify(toMachineInput(job, placement)),
    });
  });

  it('places no lambda, http or waiting step: they run no container', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    const placer = ecsPlacer();
    const others: JobSpec[] = [
      { ...job, lambda: { function: 'arn:aws:lambda:eu-west-1:111122223333:function:score', payload: {} } },
      { ...job, http: { method: 'POST', url: 'https://example.com/hook', headers: {} } },
      { ...job, wait: 'approval' },
    ];
    for (const other of others) await new AwsDispatcher(MACHINE, placer).dispatch(other);
    expect(ecs.calls()).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.input)).toEqual(
      others.map((other) => JSON.stringify(toMachineInput(other))),
    );
  });

  it('starts nothing when the container cannot be placed', async () => {
    const placer = ecsPlacer();
    ecs.on(RegisterTaskDefinitionCommand).rejects(
      new ClientException({
        message: 'Too many concurrent attempts to create a new revision',
        ...metadata,
      }),
    );
    await expect(new AwsDispatcher(MACHINE, placer).dispatch(job)).rejects.toThrow('Too many concurrent');
    expect(sfn.calls()).toHaveLength(0);
  });

  it("places containers with the container's ECS placer by default (which reads its settings then)", async () => {
    vi.stubEnv('FLOE_STEP_SUBNETS', '');
    await expect(new AwsDispatcher(MACHINE).dispatch(job)).rejects.toThrow('FLOE_STEP_SUBNETS is not set');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('treats an execution that already exists as dispatched', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', ...metadata }));
    await expect(new AwsDispatcher(MACHINE, ecsPlacer()).dispatch(job)).resolves.toBeUndefined();
  });

  it('lets other start errors through', async () => {
    const placer = ecsPlacer();
    sfn.on(StartExecutionCommand).rejects(new InvalidArn({ message: 'bad arn', ...metadata }));
    await expect(new AwsDispatcher(MACHINE, placer).dispatch(job)).rejects.toThrow('bad arn');
    sfn.on(StartExecutionCommand).rejects(new Error('socket hang up'));
    await expect(new AwsDispatcher(MACHINE, placer).dispatch(job)).rejects.toThrow('socket hang up');
  });

  it('kills by stopping the execution of that attempt', async () => {
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    await new AwsDispatcher(MACHINE).kill('run-000003', 'dag1[1].train', 2);
    expect(sfn.commandCalls(StopExecutionCommand).map((call) => call.args[0].input)).toEqual([
      {
        executionArn:
          'arn:aws:states:eu-west-1:111122223333:execution:Floe-NodeMachine:run-000003.dag1_1.train.2',
        error: 'Floe.Killed',
        cause: 'the node was stopped',
      },
    ]);
  });

  it('treats killing an execution that does not exist as done, and lets other errors through', async () => {
    sfn.on(StopExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', ...metadata }));
    await expect(new AwsDispatcher(MACHINE).kill('run-000003', 'a', 1)).resolves.toBeUndefined();
    sfn.on(StopExecutionCommand).rejects(new InvalidArn({ message: 'bad arn', ...metadata }));
    await expect(new AwsDispatcher(MACHINE).kill('run-000003', 'a', 1)).rejects.toThrow('bad arn');
  });

  it('needs the machine ARN', async () => {
    vi.stubEnv('FLOE_NODE_MACHINE_ARN', '');
    await expect(new AwsDispatcher(undefined, ecsPlacer()).dispatch(job)).rejects.toThrow(
      /FLOE_NODE_MACHINE_ARN/,
    );
    expect(sfn.calls()).toHaveLength(0);
    expect(ecs.calls()).toHaveLength(0);
  });
});

describe('SqsMailbox (SQS FIFO)', () => {
  const event: RunEvent = {
    type: 'finished',
    key: 'a',
    attempt: 1,
    status: 'failed',
    message: 'exit code 1',
    at: '2026-11-22T10:00:00.000Z',
  };

  it("sends the event in the run's message group, deduplicated by the body's SHA-256", async () => {
    vi.stubEnv('FLOE_MAILBOX_URL', QUEUE);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    await new SqsMailbox().post('run-000003', event);
    const body = JSON.stringify({ runId: 'run-000003', event });
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: QUEUE,
        MessageGroupId: 'run-000003',
        MessageDeduplicationId: createHash('sha256').update(body).digest('hex'),
        MessageBody: body,
      },
    ]);
  });

  it('gives the same id to the same event and different ids to different ones', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    const mailbox = new SqsMailbox(QUEUE);
    await mailbox.post('run-000003', { type: 'resume' });
    await mailbox.post('run-000003', { type: 'resume' });
    await mailbox.post('run-000004', { type: 'resume' });
    await mailbox.post('run-000003', { type: 'stop', force: false });
    const ids = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.MessageDeduplicationId);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
  });

  it('lets send errors through', async () => {
    sqs.on(SendMessageCommand).rejects(new QueueDoesNotExist({ message: 'no queue', ...metadata }));
    await expect(new SqsMailbox(QUEUE).post('run-000003', { type: 'resume' })).rejects.toThrow('no queue');
  });

  it('needs the queue URL', async () => {
    vi.stubEnv('FLOE_MAILBOX_URL', '');
    await expect(new SqsMailbox().post('run-000003', { type: 'resume' })).rejects.toThrow(/FLOE_MAILBOX_URL/);
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe('SfnTaskTokens (Step Functions callbacks)', () => {
  const resolution = {
    status: 'succeeded' as const,
    message: 'approved by alice',
    result: { user: 'alice', at: '2026-11-22T10:00:00.000Z', decision: 'succeeded' as const, data: { n: 1 } },
  };

  it('answers a waiting execution with SendTaskSuccess, the resolution as its JSON output', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    await expect(new SfnTaskTokens().succeed('tok-1', resolution)).resolves.toBe(true);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input)).toEqual([
      { taskToken: 'tok-1', output: JSON.stringify(resolution) },
    ]);
  });

  it('fails one with SendTaskFailure, passing the error and cause as given', async () => {
    sfn.on(SendTaskFailureCommand).resolves({});
    await expect(new SfnTaskTokens().fail('tok-2', 'Floe.CallbackFailed', '{"x":1}')).resolves.toBe(true);
    expect(sfn.commandCalls(SendTaskFailureCommand).map((call) => call.args[0].input)).toEqual([
      { taskToken: 'tok-2', error: 'Floe.CallbackFailed', cause: '{"x":1}' },
    ]);
  });

  it('answers false for a token nothing waits on any more (answered, timed out, stopped)', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskDoesNotExist({ message: 'gone', ...metadata }));
    sfn.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ message: 'late', ...metadata }));
    await expect(new SfnTaskTokens().succeed('tok-3', resolution)).resolves.toBe(false);
    await expect(new SfnTaskTokens().fail('tok-3', 'Floe.CallbackFailed', '{}')).resolves.toBe(false);
  });

  it('lets other errors through', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new InvalidOutput({ message: 'too big', ...metadata }));
    await expect(new SfnTaskTokens().succeed('tok-4', resolution)).rejects.toThrow('too big');
  });
});
