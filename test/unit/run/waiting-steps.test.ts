/** Callback and approval steps, and a step's retry policy and timeout, in the engine (events.ts, job.ts). */
import { describe, expect, it } from 'vitest';
import { createRunState, reconcile } from '../../../shared/engine/run/index.ts';
import { retryDelays } from '../../../shared/engine/run/job.ts';
import { context, dispatchedJobs, dispatches, pipeline, Run } from './support.ts';

const AT = '2026-11-22T10:00:00.000Z';

describe('callback and approval steps', () => {
  const shape = () =>
    pipeline({
      signoff: { approval: { approvers: 'carol,dave' }, timeout: 3600 },
      ship: { deps: 'signoff', command: 'echo ship' },
    });

  it('dispatch a job that waits (no command, no cache) with its timeout', () => {
    const run = new Run(shape());
    const [dispatch] = dispatches(run.start());
    expect(dispatch!.job).toMatchObject({
      key: 'signoff',
      command: '',
      wait: 'approval',
      timeoutSeconds: 3600,
    });
    expect(dispatch!.job.cache).toBeUndefined();
  });

  it('keep the token of the attempt that waits, and drop it when the execution reports its end', () => {
    const run = new Run(shape());
    run.start();
    run.send({ type: 'started', key: 'signoff', attempt: 1, at: AT });
    run.send({ type: 'waiting', key: 'signoff', attempt: 2, token: 'stale', at: AT });
    expect(run.node('signoff').callback).toBeUndefined();
    run.send({ type: 'waiting', key: 'signoff', attempt: 1, token: 'tok', at: AT });
    expect(run.node('signoff').callback).toEqual({ token: 'tok', since: AT });
    const result = { user: 'carol', at: AT, decision: 'succeeded' as const, data: { ok: true } };
    const commands = run.send({
      type: 'finished',
      key: 'signoff',
      attempt: 1,
      status: 'succeeded',
      message: 'approved by carol',
      callback: result,
      at: AT,
    });
    expect(run.node('signoff')).toMatchObject({ status: 'succeeded', message: 'approved by carol' });
    expect(run.node('signoff').callbackResult).toEqual(result);
    expect(run.node('signoff').callback).toBeUndefined();
    expect(dispatches(commands).map((command) => command.job.key)).toEqual(['ship']);
  });

  it('ignore a waiting event for a node that ended', () => {
    const run = new Run(shape());
    run.start();
    run.finish('signoff', 'failed', 'timed out after 3600 seconds');
    run.send({ type: 'waiting', key: 'signoff', attempt: 1, token: 'late', at: AT });
    expect(run.node('signoff').callback).toBeUndefined();
  });

  it('pass in a dry run without waiting', () => {
    const run = new Run(shape(), { ...new Run(shape()).state.context, mock: true });
    expect(dispatches(run.start())).toEqual([]);
    expect(run.state.status).toBe('succeeded');
    expect(run.node('signoff')).toMatchObject({ status: 'succeeded', mocked: true });
  });
});

describe('retry policy and timeout', () => {
  it('dispatch the waits before each retry, capped and rounded up to whole seconds', () => {
    const run = new Run(
      pipeline({
        a: {
          command: 'x',
          retry: { max_attempts: 4, interval: 1.5, backoff: 3, max_interval: 10 },
          timeout: 60,
        },
        b: { command: 'y', retry: { max_attempts: 0 } },
        c: { command: 'z' },
      }),
    );
    const jobs = dispatchedJobs(run.start());
    expect(jobs.a).toMatchObject({ retryDelays: [2, 5, 10, 10], timeoutSeconds: 60 });
    expect(jobs.b!.retryDelays).toBeUndefined();
    expect(jobs.c!.retryDelays).toBeUndefined();
    expect(jobs.c!.timeoutSeconds).toBeUndefined();
  });

  it('computes delays as Step Functions does: interval × backoff^n', () => {
    expect(retryDelays({ maxAttempts: 3, intervalSeconds: 1, backoffRate: 2 })).toEqual([1, 2, 4]);
    expect(retryDelays({ maxAttempts: 2, intervalSeconds: 0, backoffRate: 2 })).toEqual([0, 0]);
  });

  it('counts the retries a running attempt reports, once each, and says why the last was made', () => {
    const run = new Run(pipeline({ a: { command: 'x', retry: { max_attempts: 3 } } }));
    run.start();
    run.send({ type: 'started', key: 'a', attempt: 1, at: AT });
    run.send({ type: 'retrying', key: 'a', attempt: 1, retry: 1, message: 'exit code 1', at: AT });
    run.send({ type: 'retrying', key: 'a', attempt: 1, retry: 1, message: 'exit code 1', at: AT });
    expect(run.node('a')).toMatchObject({
      retries: 1,
      message: 'retry 1 after: exit code 1',
      status: 'running',
    });
    run.send({ type: 'retrying', key: 'a', attempt: 1, retry: 2, message: 'exit code 7', at: AT });
    run.send({ type: 'retrying', key: 'a', attempt: 2, retry: 3, message: 'other attempt', at: AT });
    expect(run.node('a')).toMatchObject({ retries: 2, message: 'retry 2 after: exit code 7' });
    run.finish('a');
    expect(run.node('a')).toMatchObject({ status: 'succeeded', message: '', retries: 2 });
  });
});

describe("an operator's retry of a waiting or retried step", () => {
  it('starts the new attempt with no retries, token or answer of the old one', () => {
    const spec = pipeline({ a: { command: 'x', retry: { max_attempts: 2 } } });
    const run = Run.of({ ...createRunState(spec, context()), debug: true });
    run.start();
    run.send({ type: 'started', key: 'a', attempt: 1, at: AT });
    run.send({ type: 'retrying', key: 'a', attempt: 1, retry: 2, message: 'exit code 1', at: AT });
    run.finish('a', 'failed', 'exit code 1');
    expect(run.node('a')).toMatchObject({ status: 'halted', retries: 2 });
    const event = {
      type: 'control' as const,
      id: 'r1',
      user: 'alice',
      at: AT,
      operation: { op: 'retryNode' as const, key: 'a' },
    };
    const result = reconcile(run.state, [event], AT);
    expect(result.refused).toEqual({});
    expect(result.state.nodes.a).toMatchObject({ attempt: 2, status: 'pending' });
    expect(result.state.nodes.a!.retries).toBeUndefined();
  });
});
