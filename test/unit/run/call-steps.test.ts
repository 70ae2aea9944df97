/** Lambda and http steps in the engine (calls.ts, job.ts, events.ts): their jobs, outputs and task ARNs. */
import { describe, expect, it } from 'vitest';
import { MAX_OUTPUTS_BYTES } from '../../../shared/engine/run/events.ts';
import { jobSpecOf } from '../../../shared/engine/run/job.ts';
import { context, dispatchedJobs, dispatches, pipeline, Run } from './support.ts';

const AT = '2026-11-22T10:00:00.000Z';

const shape = () =>
  pipeline({
    score: {
      parameters: { rate: 0.5, name: 'n{{PF_RUN_ID}}' },
      lambda: { function: 'arn:aws:lambda:eu-west-1:1:function:score', module: 'score.mjs' },
      retry: { max_attempts: 2 },
      timeout: 30,
    },
    notify: {
      deps: 'score',
      parameters: { id: 7, tag: 'v1' },
      http: {
        method: 'POST',
        url: 'https://hooks.test/items/{{id}}?run={{PF_RUN_ID}}',
        headers: { 'x-tag': '{{tag}}' },
        body: { id: '{{id}}', note: 'tag {{tag}}', list: ['{{tag}}'] },
      },
    },
    ping: { deps: 'score', http: { url: 'http://127.0.0.1:8080/ping', body: 'tag=x', method: 'PUT' } },
  });

/** Ends `key`'s attempt with `fields` on its finished event. */
function finish(run: Run, key: string, fields: Record<string, unknown>) {
  const { attempt } = run.node(key);
  return run.send(
    { type: 'started', key, attempt, at: AT },
    { type: 'finished', key, attempt, status: 'succeeded', at: AT, ...fields },
  );
}

describe('lambda steps', () => {
  it('dispatch the call with the resolved parameters as the payload, no command and no cache', () => {
    const run = new Run(shape());
    const [dispatch] = dispatches(run.start());
    expect(dispatch!.job).toMatchObject({
      key: 'score',
      command: '',
      timeoutSeconds: 30,
      retryDelays: [1, 2],
      lambda: {
        function: 'arn:aws:lambda:eu-west-1:1:function:score',
        module: 'score.mjs',
        payload: { rate: 0.5, name: 'nrun-000001' },
      },
    });
    expect(dispatch!.job.http).toBeUndefined();
    expect(dispatch!.job.cache).toBeUndefined();
  });

  it('keep what the function returned as the outputs: an object as it is, anything else as {result}', () => {
    const run = new Run(shape());
    run.start();
    finish(run, 'score', { outputs: { best: 0.9 } });
    expect(run.node('score')).toMatchObject({ status: 'succeeded', outputs: { best: 0.9 } });
    for (const [value, kept] of [
      [42, { result: 42 }],
      [null, { result: null }],
      [[1, 2], { result: [1, 2] }],
      ['text', { result: 'text' }],
    ]) {
      const other = new Run(shape());
      other.start();
      finish(other, 'score', { outputs: value });
      expect(other.node('score').outputs).toEqual(kept);
    }
  });

  it(`fail a step whose outputs take more than ${MAX_OUTPUTS_BYTES} bytes, saying how many`, () => {
    const run = new Run(shape());
    run.start();
    finish(run, 'score', { outputs: { blob: 'é'.repeat(20_000) } });
    expect(run.node('score')).toMatchObject({
      status: 'failed',
      message: `the step's outputs take 40011 bytes as JSON, more than the limit of ${MAX_OUTPUTS_BYTES} bytes`,
    });
    expect(run.node('score').outputs).toBeUndefined();
  });

  it('pass in a dry run without calling anything', () => {
    const run = new Run(shape(), { ...context(), mock: true });
    expect(dispatches(run.start())).toEqual([]);
    expect(run.state.status).toBe('succeeded');
    expect(run.node('score')).toMatchObject({ status: 'succeeded', mocked: true });
    expect(run.node('notify').http).toMatchObject({ url: 'https://hooks.test/items/7?run=run-000001' });
  });

  it('carry the payload of a loop iteration with its item', () => {
    const run = new Run(pipeline({ each: { loop_argument: [1, 2], lambda: { module: 'f.mjs' } } }));
    const jobs = dispatches(run.start()).map((command) => command.job.lambda?.payload);
    expect(jobs).toEqual([{ PF_LOOP_ARGUMENT: 1 }, { PF_LOOP_ARGUMENT: 2 }]);
  });
});

describe('http steps', () => {
  it('resolve the url, header values and a map body as JSON (with its content type), kept on the node', () => {
    const run = new Run(shape());
    run.start();
    const jobs = dispatchedJobs(finish(run, 'score', { outputs: {} }));
    expect(jobs.notify!.http).toEqual({
      method: 'POST',
      url: 'https://hooks.test/items/7?run=run-000001',
      headers: { 'x-tag': 'v1', 'content-type': 'application/json' },
      body: JSON.stringify({ id: 7, note: 'tag v1', list: ['v1'] }),
    });
    expect(jobs.ping!.http).toEqual({
      method: 'PUT',
      url: 'http://127.0.0.1:8080/ping',
      headers: {},
      body: 'tag=x',
    });
    // A resume re-issues the very same job.
    expect(jobSpecOf(run.state, run.node('notify')).http).toEqual(jobs.notify!.http);
  });

  it("keep a header's own content type, and send no body when there is none", () => {
    const run = new Run(
      pipeline({
        a: {
          http: {
            method: 'POST',
            url: 'https://x.test',
            headers: { 'Content-Type': 'text/csv' },
            body: { a: 1 },
          },
        },
        b: { http: { url: 'https://x.test/b' } },
      }),
    );
    const jobs = dispatchedJobs(run.start());
    expect(jobs.a!.http).toEqual({
      method: 'POST',
      url: 'https://x.test',
      headers: { 'Content-Type': 'text/csv' },
      body: '{"a":1}',
    });
    expect(jobs.b!.http).toEqual({ method: 'GET', url: 'https://x.test/b', headers: {} });
  });

  it('fail a step whose url does not resolve to an http(s) URL', () => {
    const run = new Run(
      pipeline({
        a: { parameters: { to: 'ftp://x' }, http: { url: '{{to}}/f' } },
        b: { http: { url: '{{PF_RUN_ID}}' } },
      }),
    );
    expect(dispatches(run.start())).toEqual([]);
    expect(run.node('a')).toMatchObject({
      status: 'failed',
      message: expect.stringContaining(
        'the url of [a] is [ftp://x/f]; it should be an http:// or https:// URL',
      ),
    });
    expect(run.node('b').message).toContain('the url of [b] is [run-000001], which is not a URL');
  });

  it('keep the status and body as the outputs, and a container step its task ARN', () => {
    const run = new Run(pipeline({ a: { http: { url: 'https://x.test' } }, c: { command: 'echo' } }));
    run.start();
    finish(run, 'a', { outputs: { status: 200, body: { ok: true } } });
    finish(run, 'c', { taskArn: 'arn:aws:ecs:eu-west-1:1:task/c/abc' });
    expect(run.node('a').outputs).toEqual({ status: 200, body: { ok: true } });
    expect(run.node('c')).toMatchObject({ taskArn: 'arn:aws:ecs:eu-west-1:1:task/c/abc' });
    expect(run.node('c').outputs).toBeUndefined();
  });
});

describe('rollback of lambda and http steps', () => {
  it('runs the rollback command, not the call again', () => {
    const run = new Run(
      pipeline({
        fn: { lambda: { module: 'f.mjs' }, rollback: 'echo undo fn' },
        hook: { http: { url: 'https://x.test' }, rollback: 'echo undo hook' },
        last: { deps: 'fn,hook', command: 'exit 1' },
      }),
    );
    run.start();
    finish(run, 'fn', { outputs: {} });
    finish(run, 'hook', { outputs: { status: 200, body: '' } });
    const jobs = dispatches(run.finish('last', 'failed', 'exit code 1')).map((command) => command.job);
    expect(jobs.map((job) => [job.key, job.command, job.lambda, job.http])).toEqual([
      ['rollback:fn', 'echo undo fn', undefined, undefined],
      ['rollback:hook', 'echo undo hook', undefined, undefined],
    ]);
  });
});
