/** The engine's side of the run cache (§4.5) and of artifact events (§4.9). */
import { describe, expect, it } from 'vitest';
import type { JobSpec, RunCommand } from '../../../shared/engine/run/index.ts';
import { context, dispatches, pipeline, Run } from './support.ts';

type Doc = Record<string, unknown>;

const cachedPipeline = (gen: Doc = {}, extra: Doc = {}) =>
  pipeline(
    {
      gen: {
        command: 'gen --rate {{rate}} --out {{model}} --run {{PF_RUN_ID}}',
        parameters: { rate: 0.5 },
        env: { MODE: 'fast' },
        artifacts: { output: ['model'] },
        ...gen,
      },
      use: {
        deps: 'gen',
        command: 'use {{m}}',
        artifacts: { input: { m: '{{gen.model}}' } },
      },
    },
    {
      fs_options: { main_fs: { name: 'data' } },
      cache: { enable: true, max_expired_time: 600, fs_scope: [{ name: 'data', path: 'a,b' }] },
      ...extra,
    },
  );

function firstJob(spec = cachedPipeline(), runId = 'run-000001'): JobSpec {
  const run = new Run(spec, context(runId));
  const found = dispatches(run.start()).find((command) => command.job.key === 'gen');
  expect(found).toBeDefined();
  return found!.job;
}

const records = (commands: RunCommand[]) => commands.filter((command) => command.type === 'recordArtifacts');

describe('the first fingerprint', () => {
  it('is the same for the same step in another run, though its command and env name the run', () => {
    const one = firstJob(cachedPipeline(), 'run-000001');
    const two = firstJob(cachedPipeline(), 'run-000002');
    expect(one.command).not.toBe(two.command);
    expect(one.cache?.firstFp).toMatch(/^[0-9a-f]{64}$/);
    // `{{PF_RUN_ID}}` in the command is resolved, so the key differs: PaddleFlow's behaviour.
    expect(one.cache?.firstFp).not.toBe(two.cache?.firstFp);
    const plain = cachedPipeline({ command: 'gen --rate {{rate}} --out {{model}}' });
    expect(firstJob(plain, 'run-000001').cache?.firstFp).toBe(firstJob(plain, 'run-000002').cache?.firstFp);
  });

  it('changes with the parameters, the env, the command and the image', () => {
    const plain = { command: 'gen --rate {{rate}} --out {{model}}' };
    const base = firstJob(cachedPipeline(plain)).cache!.firstFp;
    for (const change of [
      { parameters: { rate: 0.25 } },
      { env: { MODE: 'slow' } },
      { command: 'gen --rate {{rate}} --out {{model}} --verbose' },
      { docker_env: 'python:3.13' },
    ]) {
      expect(
        firstJob(cachedPipeline({ ...plain, ...change })).cache!.firstFp,
        JSON.stringify(change),
      ).not.toBe(base);
    }
  });

  it('carries what the cache check reads: expiry, main fs, inputs, the fs_scope by fs id', () => {
    const spec = cachedPipeline();
    const run = new Run(spec, context('run-000001'));
    run.start();
    run.finish('gen');
    const use = dispatches(run.commands).find((command) => command.job.key === 'use')!.job;
    expect(use.cache).toEqual({
      firstFp: expect.stringMatching(/^[0-9a-f]{64}$/),
      mainFsId: 'fs-root-data',
      maxExpiredTime: '600',
      inputArtifacts: { m: run.node('gen').outputArtifacts.model },
      fsScope: [{ fsId: 'fs-root-data', path: 'a,b' }],
    });
  });

  it('is absent when the cache is off, for the pipeline or for the step', () => {
    expect(firstJob(cachedPipeline({}, { cache: { enable: false } })).cache).toBeUndefined();
    expect(firstJob(cachedPipeline({ cache: { enable: false } })).cache).toBeUndefined();
  });

  it('is kept on the node, so a resume re-issues the very same job', () => {
    const run = new Run(cachedPipeline(), context('run-000001'));
    const [first] = dispatches(run.start());
    const [again] = dispatches(run.send({ type: 'resume' }));
    expect(again!.job).toEqual(first!.job);
  });
});

describe('a cache hit', () => {
  it('ends the step with the cached status and outputs, and the steps after it read those outputs', () => {
    const run = new Run(cachedPipeline(), context('run-000002'));
    run.start();
    const cachedPath = '.pipeline/run-000001/ppl/gen-0-x/model';
    const commands = run.send({
      type: 'finished',
      key: 'gen',
      attempt: 1,
      status: 'succeeded',
      message: 'from the cache',
      at: '2024-01-01T00:00:00.000Z',
      cached: { runId: 'run-000001', jobId: 'job-run-000001-gen-1', outputArtifacts: { model: cachedPath } },
    });
    expect(run.node('gen')).toMatchObject({
      status: 'succeeded',
      cacheRunId: 'run-000001',
      cacheJobId: 'job-run-000001-gen-1',
      outputArtifacts: { model: cachedPath },
      startTime: '2024-01-01T00:00:00.000Z',
    });
    const use = dispatches(commands).find((command) => command.job.key === 'use')!.job;
    expect(use.env.PF_INPUT_ARTIFACT_M).toContain(cachedPath);
    expect(records(commands)).toEqual([
      {
        type: 'recordArtifacts',
        key: 'gen',
        jobId: run.node('gen').id,
        step: 'gen',
        kind: 'output',
        artifacts: { model: cachedPath },
      },
    ]);
  });

  it('takes a failed status too, and only the outputs the step declares', () => {
    const run = new Run(cachedPipeline(), context('run-000002'));
    run.start();
    const own = run.node('gen').outputArtifacts.model;
    run.send({
      type: 'finished',
      key: 'gen',
      attempt: 1,
      status: 'failed',
      message: 'exit code 1',
      at: '2024-01-01T00:00:00.000Z',
      cached: { runId: 'run-000001', jobId: 'job-1', outputArtifacts: { other: 'x' } },
    });
    expect(run.node('gen')).toMatchObject({
      status: 'failed',
      message: 'exit code 1',
      cacheRunId: 'run-000001',
    });
    expect(run.node('gen').outputArtifacts).toEqual({ model: own });
  });
});

describe('artifact events', () => {
  it('record inputs when a step starts and outputs when it succeeds, once', () => {
    const run = new Run(cachedPipeline(), context('run-000001'));
    run.start();
    const gen = run.node('gen');
    expect(records(run.finish('gen'))).toEqual([
      expect.objectContaining({ key: 'gen', kind: 'output', artifacts: gen.outputArtifacts }),
    ]);
    const use = run.node('use');
    const at = '2024-01-01T00:00:00.000Z';
    expect(records(run.send({ type: 'started', key: 'use', attempt: 1, at }))).toEqual([
      {
        type: 'recordArtifacts',
        key: 'use',
        jobId: use.id,
        step: 'use',
        kind: 'input',
        artifacts: use.inputArtifacts,
      },
    ]);
    // Applied again, the event records nothing again.
    expect(records(run.send({ type: 'started', key: 'use', attempt: 1, at }))).toEqual([]);
    // A step that fails has no outputs to record.
    expect(records(run.send({ type: 'finished', key: 'use', attempt: 1, status: 'failed', at }))).toEqual([]);
  });
});
