import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  type OutputLogEvent,
  ResourceNotFoundException,
  ServiceUnavailableException,
} from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloudWatchLogStore, LOG_READ_LIMIT } from '../../shared/runtime/cloudwatch-log-store.ts';
import { startedByOf } from '../../shared/runtime/ecs-container-placer.ts';
import { pageLog } from '../../shared/services/log-paging.ts';

const logs = mockClient(CloudWatchLogsClient);
const ecs = mockClient(ECSClient);

const CLUSTER = 'arn:aws:ecs:eu-west-1:111122223333:cluster/Floe-Steps';
const LOG_GROUP = '/floe/steps';
const TASK_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const TASK_ARN = `arn:aws:ecs:eu-west-1:111122223333:task/Floe-Steps/${TASK_ID}`;
const JOB = 'job-run-000003-train-0a1b2c3d';
const metadata = { $metadata: { httpStatusCode: 400, requestId: 'r-1' } };

beforeEach(() => {
  vi.stubEnv('FLOE_STEP_LOG_GROUP', LOG_GROUP);
  vi.stubEnv('FLOE_STEP_CLUSTER', CLUSTER);
});
afterEach(() => {
  logs.reset();
  ecs.reset();
  vi.unstubAllEnvs();
});

/** Events as GetLogEvents returns them (the awslogs driver sends one per line, without its newline). */
const events = (...messages: string[]): OutputLogEvent[] =>
  messages.map((message, i) => ({ timestamp: 1795860000000 + i, message, ingestionTime: 1795860000500 + i }));

/** GetLogEvents' tokens: `f/<56 digits>/s` forwards, `b/…` backwards. */
const forward = (n: number) => `f/${String(n).padStart(56, '3')}/s`;
const backward = (n: number) => `b/${String(n).padStart(56, '3')}/s`;

const getCalls = () => logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input);
const listCalls = () => ecs.commandCalls(ListTasksCommand).map((call) => call.args[0].input);

/** Three pages, then the end: the last token comes back unchanged with no events. */
function streamOfThreePages() {
  logs
    .on(GetLogEventsCommand)
    .resolvesOnce({
      events: events('epoch 1', 'epoch 2'),
      nextForwardToken: forward(1),
      nextBackwardToken: backward(0),
    })
    .resolvesOnce({ events: events('epoch 3'), nextForwardToken: forward(2), nextBackwardToken: backward(1) })
    .resolvesOnce({ events: [], nextForwardToken: forward(2), nextBackwardToken: backward(2) });
}

describe('CloudWatchLogStore', () => {
  it("reads the task's stream from its head, page after page until the token comes back unchanged", async () => {
    streamOfThreePages();
    const text = await new CloudWatchLogStore().read('run-000003', JOB, TASK_ARN);
    expect(text).toBe('epoch 1\nepoch 2\nepoch 3\n');
    const stream = { logGroupName: LOG_GROUP, logStreamName: `step/step/${TASK_ID}`, startFromHead: true };
    expect(getCalls()).toEqual([
      { ...stream, nextToken: undefined },
      { ...stream, nextToken: forward(1) },
      { ...stream, nextToken: forward(2) },
    ]);
    // The run knew its task: ECS is not asked.
    expect(ecs.calls()).toHaveLength(0);
  });

  it('gives the text the local store would (lines ending in newlines), so the API pages it the same', async () => {
    streamOfThreePages();
    const text = await new CloudWatchLogStore().read('run-000003', JOB, TASK_ARN);
    const fileText = 'epoch 1\nepoch 2\nepoch 3\n';
    for (const position of ['begin', 'end'] as const) {
      expect(pageLog(text, { pageNo: 1, pageSize: 2, position })).toEqual(
        pageLog(fileText, { pageNo: 1, pageSize: 2, position }),
      );
    }
  });

  it("finds a running job's task by its startedBy", async () => {
    ecs.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: [TASK_ARN] });
    logs.on(GetLogEventsCommand).resolves({ events: events('loading data'), nextForwardToken: forward(1) });
    // The same token for the next call: the second read ends it.
    logs
      .on(GetLogEventsCommand, { nextToken: forward(1) })
      .resolves({ events: [], nextForwardToken: forward(1) });
    await expect(new CloudWatchLogStore().read('run-000003', JOB)).resolves.toBe('loading data\n');
    expect(listCalls()).toEqual([
      { cluster: CLUSTER, startedBy: startedByOf(JOB), desiredStatus: 'RUNNING' },
    ]);
    expect(getCalls()[0]).toMatchObject({ logStreamName: `step/step/${TASK_ID}` });
  });

  it('finds a stopped one when none runs', async () => {
    ecs.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: [] });
    ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [TASK_ARN] });
    logs.on(GetLogEventsCommand).resolves({ events: events('done'), nextForwardToken: forward(1) });
    logs
      .on(GetLogEventsCommand, { nextToken: forward(1) })
      .resolves({ events: [], nextForwardToken: forward(1) });
    await expect(new CloudWatchLogStore().read('run-000003', JOB)).resolves.toBe('done\n');
    expect(listCalls()).toEqual([
      { cluster: CLUSTER, startedBy: startedByOf(JOB), desiredStatus: 'RUNNING' },
      { cluster: CLUSTER, startedBy: startedByOf(JOB), desiredStatus: 'STOPPED' },
    ]);
  });

  it('has no log for a job without a task (not started, or stopped too long ago)', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    await expect(new CloudWatchLogStore().read('run-000003', JOB)).resolves.toBeNull();
    expect(listCalls()).toHaveLength(2);
    expect(logs.calls()).toHaveLength(0);
  });

  it('has no log while the stream does not exist yet', async () => {
    logs
      .on(GetLogEventsCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'The specified log stream does not exist.', ...metadata }),
      );
    await expect(new CloudWatchLogStore().read('run-000003', JOB, TASK_ARN)).resolves.toBeNull();
  });

  it('has an empty log for a stream with no events', async () => {
    logs
      .on(GetLogEventsCommand)
      .resolves({ events: [], nextForwardToken: forward(0), nextBackwardToken: backward(0) });
    logs
      .on(GetLogEventsCommand, { nextToken: forward(0) })
      .resolves({ events: [], nextForwardToken: forward(0) });
    await expect(new CloudWatchLogStore().read('run-000003', JOB, TASK_ARN)).resolves.toBe('');
    expect(getCalls()).toHaveLength(2);
  });

  it('stops reading once it holds the read limit, even though the stream goes on', async () => {
    const line = 'x'.repeat(256 * 1024 - 1);
    let page = 0;
    logs.on(GetLogEventsCommand).callsFake(() => {
      page++;
      return { events: events(line, line), nextForwardToken: forward(page) };
    });
    const text = await new CloudWatchLogStore().read('run-000003', JOB, TASK_ARN);
    // 512 KiB a page: the eighth page reaches 4 MiB.
    expect(page).toBe(LOG_READ_LIMIT / (512 * 1024));
    expect(text!.length).toBe(LOG_READ_LIMIT);
  });

  it('lets other errors through', async () => {
    logs
      .on(GetLogEventsCommand)
      .rejects(new ServiceUnavailableException({ message: 'try later', ...metadata }));
    await expect(new CloudWatchLogStore().read('run-000003', JOB, TASK_ARN)).rejects.toThrow('try later');
  });

  it('needs the log group, and the cluster when the task is not given', async () => {
    vi.stubEnv('FLOE_STEP_CLUSTER', '');
    await expect(new CloudWatchLogStore().read('run-000003', JOB)).rejects.toThrow(
      'FLOE_STEP_CLUSTER is not set',
    );
    vi.stubEnv('FLOE_STEP_LOG_GROUP', '');
    await expect(new CloudWatchLogStore().read('run-000003', JOB, TASK_ARN)).rejects.toThrow(
      'FLOE_STEP_LOG_GROUP is not set',
    );
    expect(ecs.calls()).toHaveLength(0);
    expect(logs.calls()).toHaveLength(0);
  });
});

describe('logStoreFromEnv', () => {
  // It keeps the store it made: each test loads it afresh.
  afterEach(() => {
    vi.resetModules();
  });

  it('reads CloudWatch when FLOE_STEP_LOG_GROUP is set', async () => {
    const { logStoreFromEnv } = await import('../../shared/runtime/log-store-from-env.ts');
    const { CloudWatchLogStore: Store } = await import('../../shared/runtime/cloudwatch-log-store.ts');
    expect(logStoreFromEnv()).toBeInstanceOf(Store);
  });

  it('reads files when only FLOE_DATA_DIR is set', async () => {
    vi.stubEnv('FLOE_STEP_LOG_GROUP', '');
    vi.stubEnv('FLOE_DATA_DIR', '/tmp/floe-data');
    const { logStoreFromEnv } = await import('../../shared/runtime/log-store-from-env.ts');
    const { LocalLogStore } = await import('../../shared/runtime/local-log-store.ts');
    const store = logStoreFromEnv();
    expect(store).toBeInstanceOf(LocalLogStore);
    expect((store as InstanceType<typeof LocalLogStore>).dataDir).toBe('/tmp/floe-data');
  });
});
