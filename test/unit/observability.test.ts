/**
 * shared/observability: the run engine's facts as Powertools metrics (read back from the EMF lines Powertools
 * writes), the log keys of the handler wrapper and of the HTTP chain (read back from the JSON lines the
 * logger writes), and no X-Ray outside Lambda.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import type { LocalDynamo } from '../../infra/local/dynamo.ts';
import { createRunState, type JobSpec, type RunEvent } from '../../shared/engine/run/index.ts';
import { parsePipelineYaml } from '../../shared/engine/spec/index.ts';
import { floeMetrics, PowertoolsRunMetrics } from '../../shared/observability/metrics.ts';
import { inLambda, METRIC, METRICS_NAMESPACE, tracingWanted } from '../../shared/observability/names.ts';
import { traced, tracer } from '../../shared/observability/tracer.ts';
import type { Dispatcher } from '../../shared/runtime/ports.ts';
import { RunEngine, type RunObserver } from '../../shared/services/run-engine.ts';
import { ArtifactEventRepository } from '../../shared/store/artifact-events.ts';
import { AttemptRepository } from '../../shared/store/attempts.ts';
import type { TableRef } from '../../shared/store/client.ts';
import { type RunRecord, RunRepository } from '../../shared/store/runs.ts';
import { RecordingMailbox } from '../support/in-process.ts';
import { startTestTable } from '../support/table.ts';

type Json = Record<string, unknown>;

/** An EMF document as Powertools writes it: `_aws` with the metric definitions, then the values by name. */
interface Emf extends Json {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
}

/**
 * Powertools' development mode: Metrics writes its EMF lines through the global console (documented for
 * tests), and POWERTOOLS_METRICS_DISABLED=false keeps it emitting, which development mode alone would not.
 */
function captureEmf() {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  return {
    metrics: floeMetrics(),
    emitted: (): Emf[] => log.mock.calls.map(([line]) => JSON.parse(String(line)) as Emf),
  };
}

/**
 * The JSON lines written while `run` runs: the logger's (its own console: warnings and errors on stderr) and
 * Metrics' EMF outside development mode (stdout).
 */
async function outputLines(run: () => Promise<unknown>): Promise<Json[]> {
  const lines: Json[] = [];
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) if (line.startsWith('{')) lines.push(JSON.parse(line));
    return true;
  };
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation(capture),
  );
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines;
}

/**
 * The observability modules and the HTTP chain loaded afresh with the logger at INFO: Powertools resets the
 * level to the one it was made with at every invocation (the tests' is SILENT).
 */
async function loadedWithLogs() {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  vi.resetModules();
  const [handler, logger, metrics, http, response] = await Promise.all([
    import('../../shared/observability/handler.ts'),
    import('../../shared/observability/logger.ts'),
    import('../../shared/observability/metrics.ts'),
    import('../../shared/http/handler.ts'),
    import('../../shared/http/response.ts'),
  ]);
  return { ...handler, ...logger, ...metrics, ...http, ...response };
}

const metricNames = (emf: Emf) => emf._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name));

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('run metrics, from the engine', () => {
  let dynamo: LocalDynamo;
  let ref: TableRef;
  let seq = 0;
  const START = Date.parse('2026-11-22T10:00:00.000Z');
  /** The dispatcher takes this long to accept an execution (on the engine's clock). */
  const DISPATCH_MS = 250;

  beforeAll(async () => {
    ({ dynamo, ref } = await startTestTable());
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  /** A stored one-step run, and an engine that tells `observer`; its clock moves only when a job is dispatched. */
  async function oneStepRun(observer: RunObserver | undefined) {
    const runs = new RunRepository(ref);
    const id = `run-${String(++seq).padStart(6, '0')}`;
    const spec = parsePipelineYaml(
      stringify({ name: 'ppl', docker_env: 'busybox', entry_points: { only: { command: 'true' } } }),
    );
    const context = { runId: id, userName: 'root', fsIds: {} };
    const state = createRunState(spec, context);
    const now = new Date(START).toISOString();
    const record: RunRecord = {
      name: spec.name,
      source: '',
      owner: 'root',
      fsName: '',
      description: '',
      parameters: null,
      runYaml: '',
      dockerEnv: '',
      disabled: '',
      failureStrategy: '',
      scheduleId: '',
      scheduledAt: '',
      id,
      seq,
      status: state.status,
      message: state.message,
      spec,
      context,
      createdAt: now,
      updatedAt: now,
      runCachedIds: [],
      version: 1,
    };
    await runs.create(record, []);
    let clock = START;
    const dispatched: JobSpec[] = [];
    const warnings: Json[] = [];
    const dispatcher: Dispatcher = {
      async dispatch(job) {
        clock += DISPATCH_MS;
        dispatched.push(job);
      },
      async kill() {},
    };
    const engine = new RunEngine({
      runs,
      attempts: new AttemptRepository(ref),
      artifactEvents: new ArtifactEventRepository(ref),
      dispatcher,
      mailbox: new RecordingMailbox(),
      artifacts: { read: async () => ({ contents: {} }) },
      ...(observer ? { observer } : {}),
      log: { warn: (message, attributes) => warnings.push({ message, ...attributes }) },
      now: () => new Date(clock),
    });
    return { id, engine, dispatched, runs, warnings };
  }

  const at = new Date(START + 1_000).toISOString();
  const ended = (key: string, status: 'succeeded' | 'failed'): RunEvent[] => [
    { type: 'started', key, attempt: 1, at },
    {
      type: 'finished',
      key,
      attempt: 1,
      status,
      ...(status === 'failed' ? { message: 'exit code 1' } : {}),
      at,
    },
  ];

  it('counts a started run and the dispatch latency, flushed as one EMF document of namespace Floe', async () => {
    const { metrics: target, emitted } = captureEmf();
    const { id, engine, dispatched } = await oneStepRun(new PowertoolsRunMetrics(target));
    await engine.apply(id, [{ type: 'resume' }]);
    expect(dispatched.map((job) => job.key)).toEqual(['only']);
    expect(emitted()).toEqual([]); // buffered until the invocation ends
    target.publishStoredMetrics(); // what the logMetrics middleware does then
    const [emf, ...more] = emitted();
    expect(more).toEqual([]);
    expect(emf!._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service']],
        Metrics: [
          { Name: METRIC.runsStarted, Unit: 'Count' },
          { Name: METRIC.nodeDispatchLatency, Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(emf).toMatchObject({ service: 'floe', RunsStarted: 1, NodeDispatchLatency: DISPATCH_MS });
    expect(METRICS_NAMESPACE).toBe('Floe');
  });

  it('counts a finished run once, by its status, in a document of its own', async () => {
    const { metrics: target, emitted } = captureEmf();
    const observer = new PowertoolsRunMetrics(target);
    const good = await oneStepRun(observer);
    const bad = await oneStepRun(observer);
    for (const run of [good, bad]) await run.engine.apply(run.id, [{ type: 'resume' }]);
    await good.engine.apply(good.id, ended('only', 'succeeded'));
    await bad.engine.apply(bad.id, ended('only', 'failed'));
    // Told again, a final run changes nothing and counts nothing.
    await good.engine.apply(good.id, [...ended('only', 'succeeded'), { type: 'resume' }]);
    expect((await good.runs.head(good.id))?.status).toBe('succeeded');
    expect((await bad.runs.head(bad.id))?.status).toBe('failed');

    const finished = emitted().filter((emf) => metricNames(emf).includes(METRIC.runsFinished));
    expect(finished.map((emf) => emf._aws.CloudWatchMetrics)).toEqual(
      ['succeeded', 'failed'].map(() => [
        {
          Namespace: 'Floe',
          Dimensions: [['service', 'status']],
          Metrics: [{ Name: 'RunsFinished', Unit: 'Count' }],
        },
      ]),
    );
    expect(finished.map((emf) => [emf.status, emf.RunsFinished])).toEqual([
      ['succeeded', 1],
      ['failed', 1],
    ]);
    target.publishStoredMetrics();
    const rest = emitted().filter((emf) => !metricNames(emf).includes(METRIC.runsFinished));
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatchObject({ RunsStarted: [1, 1], NodeDispatchLatency: [DISPATCH_MS, DISPATCH_MS] });
  });

  it('tells nothing without an observer, as locally', async () => {
    const { emitted } = captureEmf();
    const { id, engine } = await oneStepRun(undefined);
    await engine.apply(id, [{ type: 'resume' }]);
    await engine.apply(id, ended('only', 'succeeded'));
    expect(emitted()).toEqual([]);
  });

  it('fails no pass when telling the observer fails: it logs that, with the run', async () => {
    const failing: RunObserver = {
      runStarted: () => {
        throw new Error('no metrics today');
      },
      runFinished: () => {},
      nodeDispatched: () => {},
    };
    const { id, engine, dispatched, runs, warnings } = await oneStepRun(failing);
    await engine.apply(id, [{ type: 'resume' }]);
    expect(dispatched).toHaveLength(1);
    expect((await runs.head(id))?.status).toBe('running');
    expect(warnings).toEqual([
      { message: 'telling the run observer failed', runId: id, error: new Error('no metrics today') },
    ]);
  });
});

describe('metrics of an invocation', () => {
  it('are flushed when the handler returns; an invocation that recorded none writes nothing', async () => {
    const { lambdaHandler, metrics } = await loadedWithLogs();
    const none = await outputLines(() => lambdaHandler(async () => 'nothing recorded')({}));
    // Not even Powertools' "No application metrics to publish" warning, which every HTTP call would log.
    expect(none).toEqual([]);
    const one = await outputLines(() =>
      lambdaHandler(async () => metrics.addMetric(METRIC.runsStarted, 'Count', 1))({}),
    );
    expect(one).toEqual([expect.objectContaining({ RunsStarted: 1, service: 'floe' })]);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });
});

describe('log keys', () => {
  const context = {
    functionName: 'Floe-CacheCheck',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:Floe-CacheCheck',
    memoryLimitInMB: '1024',
    awsRequestId: 'aws-request-1',
  } as never;

  it("are a handler's appended keys on each of its lines, with the Lambda context, and gone after it", async () => {
    const { lambdaHandler, logger } = await loadedWithLogs();
    const handler = lambdaHandler(async (job: { runId: string; jobId: string }) => {
      logger.appendKeys({ runId: job.runId, jobId: job.jobId });
      logger.info('working');
    });
    const lines = await outputLines(async () => {
      await handler({ runId: 'run-000042', jobId: 'job-run-000042-only-0123abcd' }, context);
      await handler({ runId: 'run-000043', jobId: 'job-run-000043-only-4567cdef' }, context);
      logger.info('after');
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'working',
        service: 'floe',
        runId: 'run-000042',
        jobId: 'job-run-000042-only-0123abcd',
        function_name: 'Floe-CacheCheck',
        function_request_id: 'aws-request-1',
      }),
      expect.objectContaining({
        message: 'working',
        runId: 'run-000043',
        jobId: 'job-run-000043-only-4567cdef',
      }),
      expect.not.objectContaining({ runId: expect.anything() }),
    ]);
    expect(lines[2]).not.toHaveProperty('jobId');
  });

  it("are the request's id and its run in the HTTP chain", async () => {
    const { baseChain, logger, ok } = await loadedWithLogs();
    const handler = baseChain().handler(async () => {
      logger.info('serving');
      return ok({});
    });
    const event = {
      headers: { 'x-pf-request-id': 'pf-request-7' },
      pathParameters: { runID: 'run-000007', nodeKey: 'train' },
      queryStringParameters: { jobID: 'job-run-000007-train-89abcdef' },
    } as never;
    const lines = await outputLines(() => handler(event, context));
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'serving',
        requestId: 'pf-request-7',
        runId: 'run-000007',
        nodeKey: 'train',
        jobId: 'job-run-000007-train-89abcdef',
      }),
    ]);
  });
});

describe('tracing', () => {
  it('is on in Lambda only, unless POWERTOOLS_TRACE_ENABLED is false', () => {
    expect(inLambda({})).toBe(false);
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' })).toBe(true);
    expect(
      tracingWanted({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', POWERTOOLS_TRACE_ENABLED: 'False' }),
    ).toBe(false);
  });

  it('never loads the X-Ray SDK outside Lambda, and leaves SDK clients as they are', () => {
    expect(tracer).toBeUndefined();
    const client = new SQSClient({ region: 'eu-west-1' });
    expect(traced(client)).toBe(client);
    // cls-hooked, which the X-Ray SDK loads, keeps its namespaces (and an async hook) on `process`.
    expect((process as { namespaces?: Json }).namespaces?.AWSXRay).toBeUndefined();
  });
});
