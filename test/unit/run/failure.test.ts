/** Failure strategies (§4.6), stop (§4.7), retry (§4.7) and the run's final status (§4.2). */
import { describe, expect, it } from 'vitest';
import { retryRunState } from '../../../shared/engine/run/index.ts';
import { context, dispatchedKeys, pipeline, Run } from './support.ts';

const step = (extra: Record<string, unknown> = {}) => ({ command: 'echo hi', ...extra });
const post = { post_process: { tidy: step() } };

/** a and b in parallel; c after a; d after b; e inside a DAG after b. */
const branches = (strategy: 'fail_fast' | 'continue') =>
  pipeline(
    {
      a: step(),
      b: step(),
      c: step({ deps: 'a' }),
      d: step({ deps: 'b' }),
      box: { deps: 'b', entry_points: { e: step() } },
    },
    { failure_options: { strategy }, ...post },
  );

describe('fail_fast', () => {
  it('stops running siblings, cancels what was not scheduled, then runs post_process; the run fails', () => {
    const run = new Run(branches('fail_fast'));
    run.start();
    const commands = run.finish('a', 'failed', 'exit code 1');
    expect(commands).toEqual([{ type: 'kill', key: 'b', attempt: 1 }]);
    // Everything not scheduled yet is cancelled at once, whatever it waits for (PaddleFlow's
    // `cancellAllNotReadySubComponent`).
    expect(run.statuses()).toEqual({
      a: 'failed',
      b: 'terminating',
      c: 'cancelled',
      d: 'cancelled',
      box: 'cancelled',
    });
    expect(run.node('a').message).toBe('exit code 1');
    expect(run.node('c').message).toContain('stop');
    expect(dispatchedKeys(run.finish('b', 'terminated'))).toEqual(['post:tidy']);
    expect(run.status('b')).toBe('terminated');
    run.finish('post:tidy');
    expect(run.state.status).toBe('failed');
    expect(run.state.message).toBe('update status to failed because some step or dag run failed: a');
  });

  it('propagates from inside a DAG to the whole run', () => {
    const run = new Run(
      pipeline({ slow: step(), box: { entry_points: { x: step(), y: step() } } }, { parallelism: 5 }),
    );
    expect(dispatchedKeys(run.start())).toEqual(['box.x', 'box.y', 'slow']);
    const commands = run.finish('box.x', 'failed');
    expect(commands).toEqual([
      { type: 'kill', key: 'box.y', attempt: 1 },
      { type: 'kill', key: 'slow', attempt: 1 },
    ]);
    expect(run.status('box')).toBe('terminating');
    run.drain();
    expect(run.statuses()).toEqual({
      'box.x': 'failed',
      'box.y': 'terminated',
      box: 'failed',
      slow: 'terminated',
    });
    expect(run.state.status).toBe('failed');
  });

  it('treats a step terminated without a stop as a failure', () => {
    const run = new Run(pipeline({ a: step(), b: step() }));
    run.start();
    expect(run.finish('a', 'terminated')).toEqual([{ type: 'kill', key: 'b', attempt: 1 }]);
    run.drain();
    expect(run.state.status).toBe('failed');
  });
});

describe('continue', () => {
  it('cancels only the failed step’s downstream; other branches go on; post_process runs; the run fails', () => {
    const run = new Run(branches('continue'));
    run.start();
    expect(run.finish('a', 'failed')).toEqual([]);
    expect(run.statuses()).toEqual({ a: 'failed', b: 'pending', c: 'cancelled' });
    expect(run.node('c').message).toContain('upstream');
    expect(dispatchedKeys(run.finish('b'))).toEqual(['box.e', 'd']);
    run.finish('d');
    expect(dispatchedKeys(run.finish('box.e'))).toEqual(['post:tidy']);
    run.finish('post:tidy');
    expect(run.state.status).toBe('failed');
  });

  it('cancels the downstream of a DAG that failed inside', () => {
    const run = new Run(
      pipeline(
        { box: { entry_points: { x: step() } }, after: step({ deps: 'box' }), free: step() },
        {
          failure_options: { strategy: 'continue' },
        },
      ),
    );
    run.start();
    run.finish('box.x', 'failed');
    expect(run.statuses()).toEqual({ box: 'failed', 'box.x': 'failed', after: 'cancelled', free: 'pending' });
    run.finish('free');
    expect(run.state.status).toBe('failed');
  });
});

describe('stop', () => {
  const spec = () =>
    pipeline({ a: step(), b: step({ deps: 'a' }), box: { entry_points: { x: step() } } }, post);

  it('kills running steps, cancels unscheduled ones, runs post_process, ends terminated', () => {
    const run = new Run(spec());
    run.start();
    const commands = run.send({ type: 'stop', force: false });
    expect(commands).toEqual([
      { type: 'kill', key: 'a', attempt: 1 },
      { type: 'kill', key: 'box.x', attempt: 1 },
    ]);
    expect(run.state).toMatchObject({
      status: 'terminating',
      message: expect.stringContaining('termination'),
    });
    expect(run.statuses()).toEqual({
      a: 'terminating',
      b: 'cancelled',
      box: 'terminating',
      'box.x': 'terminating',
    });
    run.finish('a', 'terminated');
    expect(dispatchedKeys(run.finish('box.x', 'terminated'))).toEqual(['post:tidy']);
    expect(run.status('box')).toBe('terminated');
    run.finish('post:tidy');
    expect(run.state.status).toBe('terminated');
    expect(run.state.stopForce).toBeUndefined();
  });

  it('with stopForce, cancels post_process instead of running it', () => {
    const run = new Run(spec());
    run.start();
    run.send({ type: 'stop', force: true });
    expect(run.state.stopForce).toBe(true);
    run.drain();
    expect(run.status('post:tidy')).toBe('cancelled');
    expect(run.commands.some((c) => c.type === 'dispatch' && c.job.key === 'post:tidy')).toBe(false);
    expect(run.state.status).toBe('terminated');
  });

  it('leaves a running post_process alone, and kills it on a forced stop', () => {
    const run = new Run(spec());
    run.start();
    run.finish('a');
    run.finish('b');
    run.finish('box.x');
    expect(run.status('post:tidy')).toBe('pending');
    expect(run.send({ type: 'stop', force: false })).toEqual([]);
    expect(run.state.status).toBe('terminating');
    expect(run.send({ type: 'stop', force: false })).toEqual([]);
    expect(run.send({ type: 'stop', force: true })).toEqual([{ type: 'kill', key: 'post:tidy', attempt: 1 }]);
    run.finish('post:tidy', 'terminated');
    expect(run.state.status).toBe('terminated');
  });

  it('ends failed when something failed before the stop', () => {
    const run = new Run(pipeline({ a: step(), b: step() }, { failure_options: { strategy: 'continue' } }));
    run.start();
    run.finish('a', 'failed');
    run.send({ type: 'stop', force: false });
    run.drain();
    expect(run.state.status).toBe('failed');
  });

  it('changes nothing on a final run', () => {
    const run = new Run(pipeline({ a: step() }));
    run.start();
    run.finish('a');
    const before = run.state;
    expect(run.send({ type: 'stop', force: true })).toEqual([]);
    expect(run.state).toBe(before);
  });
});

describe('retry', () => {
  const spec = () =>
    pipeline(
      {
        ok: step({ artifacts: { output: ['out'] } }),
        off: step({ parameters: { n: 0 }, condition: '{{n}} > 0' }),
        bad: step({ deps: 'ok' }),
        later: step({ deps: 'bad' }),
        box: {
          entry_points: { fine: step(), broken: step(), tail: step({ deps: 'broken' }) },
        },
        many: step({ loop_argument: [1, 2, 3] }),
        good: { entry_points: { g: step() } },
      },
      { failure_options: { strategy: 'continue' }, parallelism: 20, ...post },
    );

  function failedRun() {
    const run = new Run(spec());
    run.start();
    run.drain((key) => (['bad', 'box.broken', 'many[1]'].includes(key) ? 'failed' : 'succeeded'));
    expect(run.state.status).toBe('failed');
    return run;
  }

  it('keeps what succeeded or was skipped and re-runs the rest and its downstream', () => {
    const previous = failedRun().state;
    const state = retryRunState(previous, context('run-000002'));
    expect(state).toMatchObject({ runId: 'run-000002', status: 'pending', message: '' });
    expect(Object.keys(state.nodes).sort()).toEqual([
      'box.fine',
      'good',
      'good.g',
      'many[0]',
      'many[2]',
      'off',
      'ok',
    ]);
    for (const node of Object.values(state.nodes)) {
      expect(node.inherited).toBe(true);
      expect(node).toEqual({ ...previous.nodes[node.key], inherited: true });
    }
  });

  it('runs the new attempt around the kept nodes, which are never dispatched again', () => {
    const previous = failedRun().state;
    const run = Run.of(retryRunState(previous, context('run-000002')));
    const first = dispatchedKeys(run.start());
    expect(first).toEqual(['bad', 'box.broken', 'many[1]']);
    expect(run.node('bad').id).toMatch(/^job-run-000002-bad-[0-9a-f]{8}$/);
    run.drain();
    expect(dispatchedKeys(run.commands).sort()).toEqual([...first, 'box.tail', 'later', 'post:tidy'].sort());
    expect(run.state.status).toBe('succeeded');
    expect(run.node('ok')).toEqual({ ...previous.nodes.ok, inherited: true });
    expect(run.node('box').inherited).toBeUndefined();
    expect(run.node('many[1]')).toMatchObject({ loopArgument: 2, loopCount: 3, status: 'succeeded' });
  });
});
