import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, type NodeExecutionEvent } from '../../functions/node-events/handler.ts';
import { abnormalEnd, type ExecutionStatusChangeDetail } from '../../shared/runtime/node-events.ts';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Floe-NodeMachine';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/111122223333/Floe-Mailbox.fifo';
const STOPPED_AT = Date.parse('2026-11-22T10:05:00.000Z');
const EVENT_TIME = '2026-11-22T10:05:01Z';

const input = (job: unknown) => JSON.stringify({ job, envList: [] });
const detail = (
  status: string,
  extra: Partial<ExecutionStatusChangeDetail> = {},
): ExecutionStatusChangeDetail => ({
  executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:run-000009.a.3`,
  stateMachineArn: MACHINE,
  name: 'run-000009.a.3',
  status,
  stopDate: STOPPED_AT,
  input: input({ runId: 'run-000009', key: 'loop[2].a', attempt: 3, command: 'true', env: {} }),
  ...extra,
});

describe('abnormalEnd (a NodeMachine execution that ended without reporting)', () => {
  it('turns ABORTED into terminated', () => {
    expect(abnormalEnd(detail('ABORTED'), EVENT_TIME)).toEqual({
      runId: 'run-000009',
      event: {
        type: 'finished',
        key: 'loop[2].a',
        attempt: 3,
        status: 'terminated',
        message: 'the node execution was stopped',
        at: '2026-11-22T10:05:00.000Z',
      },
    });
  });

  it('turns TIMED_OUT and FAILED into failed, with the error and cause when given', () => {
    expect(abnormalEnd(detail('TIMED_OUT'), EVENT_TIME)?.event).toMatchObject({
      status: 'failed',
      message: 'the node execution timed out',
    });
    expect(abnormalEnd(detail('FAILED'), EVENT_TIME)?.event).toMatchObject({
      status: 'failed',
      message: 'the node execution failed',
    });
    expect(
      abnormalEnd(detail('FAILED', { error: 'States.Runtime', cause: 'path $.x not found' }), EVENT_TIME)
        ?.event,
    ).toMatchObject({
      status: 'failed',
      message: 'the node execution failed: States.Runtime: path $.x not found',
    });
  });

  it("uses the event's time when the detail has no stop date", () => {
    expect(abnormalEnd(detail('ABORTED', { stopDate: null }), EVENT_TIME)?.event.at).toBe(EVENT_TIME);
  });

  it('ignores other statuses and inputs that name no node attempt', () => {
    for (const status of ['RUNNING', 'SUCCEEDED', 'PENDING_REDRIVE']) {
      expect(abnormalEnd(detail(status), EVENT_TIME), status).toBeNull();
    }
    for (const bad of [
      null,
      '',
      'not json',
      'null',
      input({ runId: 'r', key: 'a' }),
      input({ key: 'a', attempt: 1 }),
    ]) {
      expect(abnormalEnd(detail('FAILED', { input: bad }), EVENT_TIME), String(bad)).toBeNull();
    }
  });
});

describe('node-events handler', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => {
    vi.stubEnv('FLOE_MAILBOX_URL', QUEUE);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  });
  afterEach(() => {
    sqs.reset();
    vi.unstubAllEnvs();
  });

  const event = (statusDetail: ExecutionStatusChangeDetail): NodeExecutionEvent => ({
    version: '0',
    id: 'e1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '111122223333',
    time: EVENT_TIME,
    region: 'eu-west-1',
    resources: [statusDetail.executionArn ?? ''],
    detail: statusDetail,
  });

  it("posts the finished event to the run's mailbox", async () => {
    await handler(event(detail('TIMED_OUT')));
    const sent = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ QueueUrl: QUEUE, MessageGroupId: 'run-000009' });
    expect(JSON.parse(sent[0]!.MessageBody!)).toEqual({
      runId: 'run-000009',
      event: {
        type: 'finished',
        key: 'loop[2].a',
        attempt: 3,
        status: 'failed',
        message: 'the node execution timed out',
        at: '2026-11-22T10:05:00.000Z',
      },
    });
  });

  it('posts nothing for an event it cannot map', async () => {
    await handler(event(detail('FAILED', { input: null })));
    expect(sqs.calls()).toHaveLength(0);
  });

  it('fails when the post fails, so the invocation is retried', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));
    await expect(handler(event(detail('ABORTED')))).rejects.toThrow('throttled');
  });
});
