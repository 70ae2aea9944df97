/**
 * Operators' actions (control.ts): every operation against every state it may meet. A legal one changes the
 * state as specified; an illegal one is refused with a reason and changes nothing (the very same state object
 * comes back, and no command).
 */
import { describe, expect, it } from 'vitest';
import {
  type ControlOperation,
  createRunState,
  type ReconcileResult,
} from '../../../shared/engine/run/index.ts';
import { context, control, type Doc, dispatchedKeys, expectRefused, pipeline, Run, tick } from './support.ts';

const step = (extra: Doc = {}) => ({ command: 'echo {{p}}', parameters: { p: 'one' }, ...extra });

function expectAccepted(result: ReconcileResult) {
  expect(result.refused).toEqual({});
}

const debugRun = (entryPoints: Doc, extra: Doc = {}) =>
  Run.of({ ...createRunState(pipeline(entryPoints, extra), context()), debug: true });

type NodeCase =
  | 'absent'
  | 'waiting'
  | 'held'
  | 'pending'
  | 'running'
  | 'terminating'
  | 'halted'
  | 'failed'
  | 'succeeded'
  | 'skipped'
  | 'cancelled';

/** A running run whose step `x` is in the named state (another step keeps the run going where needed). */
function runWithX(state: NodeCase): Run {
  switch (state) {
    case 'absent': {
      const run = new Run(pipeline({ b: step(), x: step({ deps: 'b' }) }));
      run.start();
      return run;
    }
    case 'waiting':
    case 'held': {
      const run = new Run(pipeline({ b: step(), x: step() }, { parallelism: 1 }));
      run.start();
      if (state === 'held') expectAccepted(control(run, { op: 'pauseNode', key: 'x' }));
      return run;
    }
    case 'pending':
    case 'running': {
      const run = new Run(pipeline({ x: step() }));
      run.start();
      if (state === 'running') run.send({ type: 'started', key: 'x', attempt: 1, at: tick() });
      return run;
    }
    case 'terminating': {
      const run = new Run(pipeline({ b: step(), x: step() }));
      run.start();
      run.finish('b', 'failed');
      return run;
    }
    case 'halted': {
      const run = debugRun({ b: step(), x: step() });
      run.start();
      run.finish('x', 'failed', 'exit code 3');
      return run;
    }
    case 'failed':
    case 'succeeded': {
      const run = new Run(pipeline({ b: step(), x: step() }, { failure_options: { strategy: 'continue' } }));
      run.start();
      run.finish('x', state);
      return run;
    }
    case 'skipped': {
      const run = new Run(pipeline({ b: step(), x: step() }, { disabled: 'x' }));
      run.start();
      return run;
    }
    case 'cancelled': {
      const run = new Run(
        pipeline(
          { b: step(), y: step(), x: step({ deps: 'y' }) },
          { failure_options: { strategy: 'continue' } },
        ),
      );
      run.start();
      run.finish('y', 'failed');
      return run;
    }
  }
}

const NODE_CASES: NodeCase[] = [
  'absent',
  'waiting',
  'held',
  'pending',
  'running',
  'terminating',
  'halted',
  'failed',
  'succeeded',
  'skipped',
  'cancelled',
];

/** Which node states each node operation accepts; every other pairing is refused. */
const LEGAL: Record<string, NodeCase[]> = {
  pauseNode: ['absent', 'waiting'],
  resumeNode: ['held'],
  retryNode: ['halted'],
  skipNode: ['halted'],
  forceFail: ['pending', 'running'],
};

describe('node operations × node states', () => {
  for (const op of Object.keys(LEGAL) as (keyof typeof LEGAL)[]) {
    for (const state of NODE_CASES) {
      const legal = LEGAL[op]!.includes(state);
      it(`${op} on a ${state} node is ${legal ? 'done' : 'refused'}`, () => {
        const run = runWithX(state);
        expect(run.state.status).not.toMatch(/succeeded|failed|terminated/);
        const operation = { op, key: 'x' } as ControlOperation;
        if (!legal) {
          expectRefused(run, operation, /x/);
          return;
        }
        const beforeState = run.state;
        const before = beforeState.nodes.x;
        const result = control(run, operation);
        expectAccepted(result);
        expect(result.state).not.toBe(beforeState);
        const after = run.state.nodes.x;
        switch (op) {
          case 'pauseNode':
            expect(run.state.holds).toEqual(['x']);
            expect(after?.status ?? 'absent').toBe(before?.status ?? 'absent');
            break;
          case 'resumeNode':
            expect(run.state.holds).toBeUndefined();
            break;
          case 'retryNode':
            expect(after).toMatchObject({ attempt: 2, status: 'pending' });
            expect(after!.id).not.toBe(before!.id);
            break;
          case 'skipNode':
            expect(after).toMatchObject({ status: 'skipped', attempt: 1, outputArtifacts: {} });
            break;
          case 'forceFail':
            expect(after).toMatchObject({ status: 'failed', message: 'forced to fail by alice' });
            expect(result.commands[0]).toEqual({ type: 'kill', key: 'x', attempt: 1 });
            break;
        }
      });
    }
  }

  it('refuses a key no node could have, and a dag, with reasons naming them', () => {
    const run = new Run(
      pipeline({ box: { entry_points: { x: step() } }, loop: step({ loop_argument: [1, 2] }) }),
    );
    run.start();
    expectRefused(run, { op: 'pauseNode', key: 'nothing' }, /has no node \[nothing\]/, 'input');
    expectRefused(run, { op: 'pauseNode', key: 'loop' }, /has no node \[loop\]/, 'input');
    expectRefused(run, { op: 'pauseNode', key: 'box.x[0]' }, /has no node/, 'input');
    expectRefused(run, { op: 'pauseNode', key: 'constructor' }, /has no node/, 'input');
    expectRefused(run, { op: 'forceFail', key: 'box' }, /\[box\] is a dag/);
    expectAccepted(control(run, { op: 'forceFail', key: 'loop[1]' }));
  });

  it('names the bamboo traps it refuses: pausing a running node, resuming a failed one', () => {
    expectRefused(runWithX('running'), { op: 'pauseNode', key: 'x' }, /only be paused before it starts/);
    expectRefused(runWithX('halted'), { op: 'resumeNode', key: 'x' }, /failed: retry or skip it/);
  });

  it('tells an operator why a failed node outside debug mode cannot be retried', () => {
    expectRefused(runWithX('failed'), { op: 'retryNode', key: 'x' }, /not in debug mode.*retry the run/);
  });
});

type RunCase = 'pending' | 'running' | 'paused' | 'terminating' | 'succeeded' | 'failed' | 'terminated';

function runIn(state: RunCase, debug = false): Run {
  const run = Run.of({ ...createRunState(pipeline({ a: step(), b: step() }), context()), debug });
  if (state === 'pending') return run;
  run.start();
  switch (state) {
    case 'paused':
      expectAccepted(control(run, { op: 'pause' }));
      break;
    case 'terminating':
      run.send({ type: 'stop', force: false });
      break;
    case 'succeeded':
      run.drain();
      break;
    case 'failed':
      expectAccepted(control(run, { op: 'endDebug' }));
      run.drain(() => 'failed');
      break;
    case 'terminated':
      run.send({ type: 'stop', force: false });
      run.drain();
      break;
  }
  expect(run.state.status).toBe(state);
  return run;
}

const RUN_LEGAL: Record<string, RunCase[]> = {
  pause: ['pending', 'running'],
  resume: ['paused'],
  revoke: ['pending', 'running', 'paused', 'terminating'],
  endDebug: ['pending', 'running', 'paused', 'terminating'],
};

describe('run operations × run states', () => {
  for (const op of Object.keys(RUN_LEGAL)) {
    for (const state of [
      'pending',
      'running',
      'paused',
      'terminating',
      'succeeded',
      'failed',
      'terminated',
    ] as const) {
      const legal = RUN_LEGAL[op]!.includes(state);
      it(`${op} on a ${state} run is ${legal ? 'done' : 'refused'}`, () => {
        const run = runIn(state, true);
        const operation = { op } as ControlOperation;
        if (!legal) {
          expectRefused(run, operation, /run\[run-000001\]/);
          return;
        }
        expectAccepted(control(run, operation));
        switch (op) {
          case 'pause':
            expect(run.state).toMatchObject({ status: 'paused', message: 'paused by alice' });
            break;
          case 'resume':
            expect(run.state).toMatchObject({ status: 'running', message: '' });
            break;
          case 'revoke':
            // A pending run has nothing to wait for: it ends at once.
            expect(run.state).toMatchObject({ revokedBy: 'alice', stopForce: true });
            expect(run.state.status).toBe(state === 'pending' ? 'terminated' : 'terminating');
            break;
          case 'endDebug':
            expect(run.state.debug).toBeUndefined();
            break;
        }
      });
    }
  }

  it('refuses ending debug mode on a run not in it', () => {
    expectRefused(runIn('running'), { op: 'endDebug' }, /not in debug mode/);
  });

  it('refuses everything once the run was revoked, naming who revoked it', () => {
    const run = runIn('running');
    expectAccepted(control(run, { op: 'revoke' }, 'bob'));
    for (const operation of [
      { op: 'pause' },
      { op: 'resume' },
      { op: 'revoke' },
      { op: 'forceFail', key: 'a' },
      { op: 'pauseNode', key: 'b' },
    ] as ControlOperation[])
      expectRefused(run, operation, /was revoked by bob/);
  });
});

describe('pause and resume', () => {
  it('lets running steps of a fan-out finish and starts no more until resumed', () => {
    const run = new Run(
      pipeline(
        { fan: step({ loop_argument: [1, 2, 3, 4, 5] }), after: step({ deps: 'fan' }) },
        { parallelism: 2 },
      ),
    );
    expect(dispatchedKeys(run.start())).toEqual(['fan[0]', 'fan[1]']);
    expectAccepted(control(run, { op: 'pause' }));
    expect(run.finish('fan[0]')).toEqual([]);
    expect(run.finish('fan[1]')).toEqual([]);
    expect(run.status('fan[2]')).toBe('init');
    const resumed = control(run, { op: 'resume' });
    expect(dispatchedKeys(resumed.commands)).toEqual(['fan[2]', 'fan[3]']);
    run.drain();
    expect(run.state.status).toBe('succeeded');
  });

  it('creates no component that becomes ready while paused, and creates it on resume', () => {
    const run = new Run(pipeline({ a: step(), box: { deps: 'a', entry_points: { x: step() } } }));
    run.start();
    expectAccepted(control(run, { op: 'pause' }));
    run.finish('a');
    expect(run.state.nodes.box).toBeUndefined();
    expect(dispatchedKeys(control(run, { op: 'resume' }).commands)).toEqual(['box.x']);
    expect(run.status('box')).toBe('running');
  });

  it('does not start the post-process step while paused', () => {
    const run = new Run(pipeline({ a: step() }, { post_process: { tidy: step() } }));
    run.start();
    expectAccepted(control(run, { op: 'pause' }));
    run.finish('a');
    expect(run.state.nodes['post:tidy']).toBeUndefined();
    expect(run.state.status).toBe('paused');
    expect(dispatchedKeys(control(run, { op: 'resume' }).commands)).toEqual(['post:tidy']);
    // Its own parameters resolved, as any step's.
    expect(run.node('post:tidy').command).toBe('echo one');
  });

  it('ends a paused run whose failure stops everything (a failure is not a start)', () => {
    const run = new Run(pipeline({ a: step(), b: step() }));
    run.start();
    expectAccepted(control(run, { op: 'pause' }));
    expect(run.finish('a', 'failed')).toEqual([{ type: 'kill', key: 'b', attempt: 1 }]);
    run.finish('b', 'terminated');
    expect(run.state.status).toBe('failed');
  });

  it('a paused pending run begins paused and runs once resumed', () => {
    const run = new Run(pipeline({ a: step() }));
    expectAccepted(control(run, { op: 'pause' }));
    expect(run.start()).toEqual([]);
    const resumed = control(run, { op: 'resume' });
    expect(dispatchedKeys(resumed.commands)).toEqual(['a']);
    expect(run.state.activateTime).toBeDefined();
  });

  it('a node paused before it exists waits when created; the others pass it; resume starts it', () => {
    const run = new Run(pipeline({ a: step(), x: step({ deps: 'a' }), y: step({ deps: 'a' }) }));
    run.start();
    expectAccepted(control(run, { op: 'pauseNode', key: 'x' }));
    expect(dispatchedKeys(run.finish('a'))).toEqual(['y']);
    expect(run.status('x')).toBe('init');
    run.finish('y');
    expect(run.state.status).toBe('running');
    expect(dispatchedKeys(control(run, { op: 'resumeNode', key: 'x' }).commands)).toEqual(['x']);
    run.drain();
    expect(run.state.status).toBe('succeeded');
  });

  it('a stop cancels a paused node', () => {
    const run = runWithX('held');
    run.send({ type: 'stop', force: false });
    expect(run.status('x')).toBe('cancelled');
  });
});

describe('debug mode', () => {
  it('halts a failed step: its downstream waits, other branches go on, nothing fails fast', () => {
    const run = debugRun({ x: step(), after: step({ deps: 'x' }), other: step() });
    run.start();
    expect(run.finish('x', 'failed', 'exit code 2')).toEqual([]);
    expect(run.node('x')).toMatchObject({ status: 'halted', message: 'exit code 2' });
    expect(run.status('other')).toBe('pending');
    run.finish('other');
    expect(run.state.nodes.after).toBeUndefined();
    expect(run.state.status).toBe('running');
  });

  it('retries a halted step with new parameters and env, archiving the failed attempt', () => {
    const run = debugRun({ x: step({ env: { MODE: 'slow' } }), after: step({ deps: 'x' }) });
    run.start();
    run.finish('x', 'failed', 'exit code 2');
    const first = run.node('x');
    const result = control(run, {
      op: 'retryNode',
      key: 'x',
      parameters: { p: 'two' },
      env: { MODE: 'fast' },
    });
    expectAccepted(result);
    const archived = result.commands.find((command) => command.type === 'recordAttempt');
    expect(archived).toMatchObject({
      record: {
        key: 'x',
        attempt: 1,
        jobId: first.id,
        status: 'failed',
        message: 'exit code 2',
        parameters: { p: 'one' },
        command: 'echo one',
        endedBy: { action: 'retry', user: 'alice' },
      },
    });
    const dispatched = result.commands.find((command) => command.type === 'dispatch');
    expect(dispatched).toMatchObject({ job: { attempt: 2, command: 'echo two', env: { MODE: 'fast' } } });
    expect(run.node('x')).toMatchObject({
      attempt: 2,
      overrides: { parameters: { p: 'two' }, env: { MODE: 'fast' } },
    });
    expect(dispatchedKeys(run.finish('x'))).toEqual(['after']);
  });

  it('refuses a retry that names a parameter the step does not have', () => {
    const run = runWithX('halted');
    expectRefused(
      run,
      { op: 'retryNode', key: 'x', parameters: { nope: 1 } },
      /no parameter \[nope\]/,
      'input',
    );
  });

  it('skips a halted step: downstream runs as if it succeeded, with the outputs given (or none)', () => {
    const run = debugRun({
      x: step({ artifacts: { output: ['model', 'report'] } }),
      after: step({ deps: 'x', artifacts: { input: { m: '{{x.model}}', r: '{{x.report}}' } } }),
    });
    run.start();
    run.finish('x', 'failed');
    expectRefused(
      run,
      { op: 'skipNode', key: 'x', outputs: { other: '/x' } },
      /no output artifact \[other\]/,
      'input',
    );
    const result = control(run, { op: 'skipNode', key: 'x', outputs: { model: '/models/v1' } });
    expectAccepted(result);
    expect(run.node('x')).toMatchObject({
      status: 'skipped',
      operator: { action: 'skip', user: 'alice' },
      outputArtifacts: { model: '/models/v1' },
    });
    expect(run.node('x').message).toMatch(/^skipped by alice after it failed/);
    expect(dispatchedKeys(result.commands)).toEqual(['after']);
    expect(run.node('after').inputArtifacts).toEqual({ m: '/models/v1', r: '' });
  });

  it('ending debug mode fails the halted steps, and the run fails as it would have', () => {
    const run = debugRun({ x: step(), other: step() });
    run.start();
    run.finish('x', 'failed');
    const result = control(run, { op: 'endDebug' });
    expect(result.commands).toEqual([{ type: 'kill', key: 'other', attempt: 1 }]);
    run.drain();
    expect(run.state.status).toBe('failed');
    expect(run.status('x')).toBe('failed');
  });
});

describe('version tokens', () => {
  it('drops a late result of a force-failed attempt, and of the attempt before a retry', () => {
    const run = debugRun({ x: step(), after: step({ deps: 'x' }) });
    run.start();
    run.send({ type: 'started', key: 'x', attempt: 1, at: tick() });
    expectAccepted(control(run, { op: 'forceFail', key: 'x' }));
    expect(run.status('x')).toBe('halted');
    const halted = run.state;
    // The kill's own report, and a success that raced it: both about attempt 1, which has ended.
    run.send({ type: 'finished', key: 'x', attempt: 1, status: 'terminated', at: tick() });
    run.send({ type: 'finished', key: 'x', attempt: 1, status: 'succeeded', at: tick() });
    expect(run.state).toBe(halted);
    expectAccepted(control(run, { op: 'retryNode', key: 'x' }));
    run.send({ type: 'finished', key: 'x', attempt: 1, status: 'succeeded', at: tick() });
    run.send({ type: 'started', key: 'x', attempt: 1, at: tick() });
    expect(run.node('x')).toMatchObject({ attempt: 2, status: 'pending' });
    expect(dispatchedKeys(run.finish('x'))).toEqual(['after']);
  });

  it('a force-fail outside debug mode fails the run as any failure does', () => {
    const run = runWithX('running');
    expectAccepted(control(run, { op: 'forceFail', key: 'x', message: 'hung' }));
    expect(run.node('x').message).toBe('forced to fail by alice: hung');
    expect(run.state.status).toBe('failed');
  });
});

describe('revoke', () => {
  it('kills running steps, cancels the rest, skips post-process and ends terminated', () => {
    const run = new Run(pipeline({ a: step(), b: step({ deps: 'a' }) }, { post_process: { tidy: step() } }));
    run.start();
    const result = control(run, { op: 'revoke' }, 'bob');
    expect(result.commands).toEqual([{ type: 'kill', key: 'a', attempt: 1 }]);
    expect(run.state.message).toBe('revoked by bob');
    run.drain();
    expect(run.state.status).toBe('terminated');
    expect(run.status('post:tidy')).toBe('cancelled');
  });

  it('revokes a paused run', () => {
    const run = runIn('paused');
    expectAccepted(control(run, { op: 'revoke' }));
    run.drain();
    expect(run.state.status).toBe('terminated');
  });
});
