/** Rollback (rollback.ts) and dry runs (mock) in the engine. */
import { describe, expect, it } from 'vitest';
import { createRunState, reconcile, retryRunState } from '../../../shared/engine/run/index.ts';
import { context, type Doc, dispatchedKeys, dispatches, pipeline, Run, tick } from './support.ts';

const step = (name: string, extra: Doc = {}) => ({
  command: `echo do ${name}`,
  rollback: `echo undo ${name}`,
  ...extra,
});

/** a → b → c, with d beside them; e (no rollback) after a; f inside a DAG after b. */
const shape = () =>
  pipeline(
    {
      a: step('a'),
      b: step('b', { deps: 'a' }),
      c: step('c', { deps: 'b' }),
      d: step('d'),
      e: { command: 'echo e', deps: 'a' },
      box: { deps: 'b', entry_points: { f: step('f') } },
    },
    { parallelism: 10 },
  );

describe('rollback', () => {
  it('when a run fails, undoes its succeeded steps in reverse dependency order, then fails', () => {
    const run = new Run(shape());
    run.start();
    run.finish('a');
    run.finish('d');
    run.finish('e');
    run.finish('b');
    run.finish('box.f');
    const commands = run.finish('c', 'failed', 'exit code 1');
    expect(run.state.status).toBe('terminating');
    expect(run.state.rollingBack).toEqual({
      status: 'failed',
      message: 'update status to failed because some step or dag run failed: c',
    });
    // Nothing depends on d or on box.f among the rolled-back steps: they go first, side by side.
    expect(dispatchedKeys(commands)).toEqual(['rollback:box.f', 'rollback:d']);
    expect(dispatches(commands)[0]!.job).toMatchObject({ command: 'echo undo f', outputPaths: [] });
    expect(run.state.nodes['rollback:e']).toBeUndefined();
    expect(run.state.nodes['rollback:c']).toBeUndefined();
    expect(dispatchedKeys(run.finish('rollback:d'))).toEqual([]);
    expect(dispatchedKeys(run.finish('rollback:box.f'))).toEqual(['rollback:b']);
    expect(dispatchedKeys(run.finish('rollback:b'))).toEqual(['rollback:a']);
    run.finish('rollback:a');
    expect(run.state).toMatchObject({
      status: 'failed',
      message: 'update status to failed because some step or dag run failed: c',
    });
    expect(run.state.rollingBack).toBeUndefined();
  });

  it('names a failed rollback in the final message and still ends', () => {
    const run = new Run(pipeline({ a: step('a'), b: step('b', { deps: 'a' }) }));
    run.start();
    run.finish('a');
    run.finish('b', 'failed');
    run.finish('rollback:a', 'failed');
    expect(run.state.status).toBe('failed');
    expect(run.state.message).toMatch(/; rollback failed: rollback:a$/);
  });

  it('a rollback sees the step’s outputs as inputs, and its parameters', () => {
    const run = new Run(
      pipeline({
        a: step('a', {
          parameters: { p: 'x' },
          command: 'echo {{p}} > {{out}}',
          rollback: 'rm {{out}} # {{p}}',
          artifacts: { output: ['out'] },
        }),
        b: { command: 'exit 1', deps: 'a' },
      }),
    );
    run.start();
    run.finish('a');
    const commands = run.finish('b', 'failed');
    const job = dispatches(commands)[0]!.job;
    expect(job.command).toMatch(
      /^rm \/home\/paddleflow\/storage\/mnt\/fs-root-data\/\.pipeline\/.*\/out # x$/,
    );
    expect(job.env.PF_INPUT_ARTIFACT_OUT).toBeDefined();
    expect(job.outputPaths).toEqual([]);
  });

  it('a revoked run rolls back too and ends terminated; a plain stop does not roll back', () => {
    const revoked = new Run(pipeline({ a: step('a'), b: step('b', { deps: 'a' }) }));
    revoked.start();
    revoked.finish('a');
    revoked.send({ type: 'control', id: 'r', user: 'bob', at: tick(), operation: { op: 'revoke' } });
    expect(dispatchedKeys(revoked.finish('b', 'terminated'))).toEqual(['rollback:a']);
    revoked.finish('rollback:a');
    expect(revoked.state.status).toBe('terminated');

    const stopped = new Run(pipeline({ a: step('a'), b: step('b', { deps: 'a' }) }));
    stopped.start();
    stopped.finish('a');
    stopped.send({ type: 'stop', force: false });
    stopped.finish('b', 'terminated');
    expect(stopped.state.status).toBe('terminated');
    expect(stopped.state.nodes['rollback:a']).toBeUndefined();
  });

  it('a forced stop during a rollback stops it, and the run ends', () => {
    const run = new Run(pipeline({ a: step('a'), b: step('b'), c: { command: 'x', deps: 'a,b' } }));
    run.start();
    run.finish('a');
    run.finish('b');
    run.finish('c', 'failed');
    expect(Object.keys(run.state.nodes).filter((key) => key.startsWith('rollback:'))).toHaveLength(2);
    expect(run.send({ type: 'stop', force: true })).toEqual([
      { type: 'kill', key: 'rollback:a', attempt: 1 },
      { type: 'kill', key: 'rollback:b', attempt: 1 },
    ]);
    run.drain();
    expect(run.state.status).toBe('failed');
    expect(run.state.message).toMatch(/rollback failed: rollback:a,rollback:b/);
  });

  it('does not roll back a debug run while steps are halted; ending debug fails and rolls back', () => {
    const run = Run.of({
      ...createRunState(pipeline({ a: step('a'), b: step('b', { deps: 'a' }) }), context()),
      debug: true,
    });
    run.start();
    run.finish('a');
    run.finish('b', 'failed');
    expect(run.status('b')).toBe('halted');
    expect(run.state.nodes['rollback:a']).toBeUndefined();
    const result = reconcile(
      run.state,
      [{ type: 'control', id: 'e', user: 'alice', at: tick(), operation: { op: 'endDebug' } }],
      tick(),
    );
    run.state = result.state;
    expect(dispatchedKeys(result.commands)).toEqual(['rollback:a']);
    // A failing rollback in a (former) debug run fails: it does not halt.
    run.finish('rollback:a', 'failed');
    expect(run.state.status).toBe('failed');
  });

  it('a run retried after a rollback runs the rolled-back steps again', () => {
    const run = new Run(pipeline({ a: step('a'), b: step('b', { deps: 'a' }), d: { command: 'echo d' } }));
    run.start();
    run.finish('a');
    run.finish('d');
    run.finish('b', 'failed');
    run.finish('rollback:a');
    expect(run.state.status).toBe('failed');
    const retried = retryRunState(run.state, context('run-000002'));
    expect(Object.keys(retried.nodes)).toEqual(['d']);
  });
});

describe('dry runs (mock)', () => {
  it('walks the whole DAG, resolving every step without running one, and succeeds', () => {
    const spec = pipeline(
      {
        a: { command: 'echo {{p}}', parameters: { p: 7 } },
        loop: { command: 'echo {{PF_LOOP_ARGUMENT}}', deps: 'a', loop_argument: [1, 2] },
        skipped: { command: 'echo no', condition: '1 > 2' },
        box: { deps: 'a', entry_points: { inner: { command: 'echo inner' } } },
      },
      { post_process: { tidy: { command: 'echo tidy' } } },
    );
    const run = Run.of(createRunState(spec, { ...context(), mock: true }));
    expect(run.start()).toEqual([]);
    expect(run.state.status).toBe('succeeded');
    expect(run.node('a')).toMatchObject({ status: 'succeeded', mocked: true, command: 'echo 7' });
    expect(run.node('loop[1]')).toMatchObject({ status: 'succeeded', command: 'echo 2' });
    expect(run.node('box.inner')).toMatchObject({ status: 'succeeded', mocked: true });
    expect(run.node('post:tidy')).toMatchObject({ status: 'succeeded', mocked: true });
    expect(run.status('skipped')).toBe('skipped');
    expect(run.node('a').message).toBe('dry run: the command was resolved, not run');
  });

  it('a dry run fails where a condition reads a file no step wrote, and rolls nothing back', () => {
    const spec = pipeline({
      a: step('a', { artifacts: { output: ['flag'] } }),
      b: {
        command: 'echo b',
        deps: 'a',
        artifacts: { input: { flag: '{{a.flag}}' } },
        condition: "{{flag}} == 'x'",
      },
    });
    const run = Run.of(createRunState(spec, { ...context(), mock: true }));
    const [read] = run.start();
    expect(read).toMatchObject({ type: 'readArtifacts', key: 'b' });
    const path = (read as { paths: string[] }).paths[0]!;
    run.send({ type: 'artifactsRead', key: 'b', contents: { [path]: null }, error: 'no such file' });
    expect(run.node('b')).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('no such file'),
    });
    expect(run.state.status).toBe('failed');
    expect(Object.keys(run.state.nodes).some((key) => key.startsWith('rollback:'))).toBe(false);
  });
});
