/** Scheduling inside a DAG (§4.3): readiness, DAG components, loops, conditions, disabled, parallelism. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunState } from '../../../shared/engine/run/index.ts';
import { parsePipelineYaml } from '../../../shared/engine/spec/index.ts';
import { prng, simulate } from './simulator.ts';
import { context, dispatchedKeys, MOUNT, pipeline, Run } from './support.ts';

const step = (extra: Record<string, unknown> = {}) => ({ command: 'echo hi', ...extra });

describe('readiness', () => {
  it('runs a chain one step after the other and ends succeeded', () => {
    const run = new Run(pipeline({ a: step(), b: step({ deps: 'a' }), c: step({ deps: 'b' }) }));
    expect(run.state.status).toBe('pending');
    expect(dispatchedKeys(run.start())).toEqual(['a']);
    expect(run.state.status).toBe('running');
    expect(run.state.activateTime).toBeDefined();
    expect(run.statuses()).toEqual({ a: 'pending' });
    expect(dispatchedKeys(run.finish('a'))).toEqual(['b']);
    expect(dispatchedKeys(run.finish('b'))).toEqual(['c']);
    run.finish('c');
    expect(run.state.status).toBe('succeeded');
    expect(run.statuses()).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded' });
    expect(run.node('a').startTime).toBeDefined();
    expect(run.node('a').endTime).toBeDefined();
  });

  it('runs a diamond: both branches together, the join after both', () => {
    const run = new Run(
      pipeline({ a: step(), b: step({ deps: 'a' }), c: step({ deps: 'a' }), d: step({ deps: 'b,c' }) }),
    );
    run.start();
    expect(dispatchedKeys(run.finish('a'))).toEqual(['b', 'c']);
    expect(dispatchedKeys(run.finish('c'))).toEqual([]);
    expect(dispatchedKeys(run.finish('b'))).toEqual(['d']);
    run.finish('d');
    expect(run.state.status).toBe('succeeded');
  });

  it('holds steps beyond the parallelism until a slot frees, oldest first', () => {
    const run = new Run(pipeline({ a: step(), b: step(), c: step() }, { parallelism: 2 }));
    expect(dispatchedKeys(run.start())).toEqual(['a', 'b']);
    expect(run.status('c')).toBe('init');
    expect(dispatchedKeys(run.send({ type: 'started', key: 'a', attempt: 1, at: 'x' }))).toEqual([]);
    expect(dispatchedKeys(run.finish('b'))).toEqual(['c']);
  });

  it('treats a skipped upstream as done', () => {
    const run = new Run(
      pipeline({ a: step({ parameters: { n: 0 }, condition: '{{n}} > 0' }), b: step({ deps: 'a' }) }),
    );
    expect(dispatchedKeys(run.start())).toEqual(['b']);
    expect(run.node('a')).toMatchObject({
      status: 'skipped',
      message: 'the result of condition for step[a] is false, skip running',
    });
  });
});

describe('DAG components', () => {
  const spec = () =>
    pipeline({
      make: step({ artifacts: { output: ['data'] } }),
      outer: {
        deps: 'make',
        parameters: { p: 5, label: 'x' },
        artifacts: { input: { src: '{{make.data}}' }, output: { res: '{{inner.out}}' } },
        entry_points: {
          inner: {
            command: 'run {{q}} {{msg}} {{src}} {{out}}',
            parameters: { q: '{{PF_PARENT.p}}', msg: '{{PF_PARENT.label}}-{{PF_PARENT.p}}' },
            artifacts: { input: { src: '{{PF_PARENT.src}}' }, output: ['out'] },
          },
        },
      },
      use: step({ deps: 'outer', artifacts: { input: { got: '{{outer.res}}' } } }),
    });

  it('expands children keyed `dag.child`, with PF_PARENT parameters and artifacts', () => {
    const run = new Run(spec());
    run.start();
    const makePath = run.node('make').outputArtifacts.data!;
    expect(dispatchedKeys(run.finish('make'))).toEqual(['outer.inner']);
    expect(run.node('outer')).toMatchObject({
      kind: 'dag',
      status: 'running',
      parentKey: '',
      parameters: { p: 5, label: 'x' },
      inputArtifacts: { src: makePath },
    });
    expect(run.node('outer').id).toMatch(/^dag-run-000001-[0-9a-f]{16}$/);
    const inner = run.node('outer.inner');
    expect(inner).toMatchObject({ parentKey: 'outer', name: 'inner', path: 'outer.inner' });
    // One template alone keeps the number; joined with text it becomes Go's %v.
    expect(inner.parameters).toEqual({ q: 5, msg: 'x-5' });
    expect(inner.inputArtifacts).toEqual({ src: makePath });
    expect(inner.command).toBe(`run 5 x-5 ${MOUNT}/${makePath} ${MOUNT}/${inner.outputArtifacts.out}`);
  });

  it('resolves its output artifacts when it succeeds and hands them downstream', () => {
    const run = new Run(spec());
    run.start();
    run.finish('make');
    const out = run.node('outer.inner').outputArtifacts.out!;
    expect(dispatchedKeys(run.finish('outer.inner'))).toEqual(['use']);
    expect(run.node('outer')).toMatchObject({ status: 'succeeded', outputArtifacts: { res: out } });
    expect(run.node('use').inputArtifacts).toEqual({ got: out });
    run.finish('use');
    expect(run.state.status).toBe('succeeded');
  });

  it('joins a looped child’s paths with commas', () => {
    const run = new Run(
      pipeline({
        outer: {
          artifacts: { output: { all: '{{leaf.out}}' } },
          entry_points: { leaf: step({ loop_argument: [1, 2], artifacts: { output: ['out'] } }) },
        },
      }),
    );
    expect(dispatchedKeys(run.start())).toEqual(['outer.leaf[0]', 'outer.leaf[1]']);
    run.drain();
    const paths = [run.node('outer.leaf[0]'), run.node('outer.leaf[1]')].map((n) => n.outputArtifacts.out);
    expect(run.node('outer').outputArtifacts).toEqual({ all: paths.join(',') });
  });
});

describe('loops', () => {
  /** `make` writes a file; `each` loops over the JSON list in it. */
  const loopOverFile = (extra: Record<string, unknown> = {}) =>
    pipeline({
      make: step({ artifacts: { output: ['list'] } }),
      each: step({
        deps: 'make',
        artifacts: { input: { items: '{{make.list}}' } },
        loop_argument: '{{items}}',
      }),
      ...extra,
    });

  it('runs one node per item of a literal list, with the item as PF_LOOP_ARGUMENT', () => {
    const run = new Run(
      pipeline({ a: step({ loop_argument: ['x', 2.5, [1, 2]], command: 'echo {{PF_LOOP_ARGUMENT}}' }) }),
    );
    const jobs = run.start().flatMap((c) => (c.type === 'dispatch' ? [c.job] : []));
    expect(jobs.map((j) => [j.key, j.jobName, j.command, j.env.PF_LOOP_ARGUMENT])).toEqual([
      ['a[0]', 'run-000001-a', 'echo x', 'x'],
      ['a[1]', 'run-000001-a-1', 'echo 2.5', '2.5'],
      ['a[2]', 'run-000001-a-2', 'echo [1 2]', '[1 2]'],
    ]);
    expect(run.node('a[1]')).toMatchObject({ seq: 1, loopArgument: 2.5, loopCount: 3 });
  });

  it('loops over a parameter holding a JSON list, and over the parent’s loop item', () => {
    const run = new Run(
      pipeline({
        outer: {
          parameters: { rows: '[[1, 2], [3]]' },
          loop_argument: '{{rows}}',
          entry_points: {
            cell: step({ parameters: { row: '{{PF_PARENT.PF_LOOP_ARGUMENT}}' }, loop_argument: '{{row}}' }),
          },
        },
      }),
    );
    expect(dispatchedKeys(run.start())).toEqual(['outer[0].cell[0]', 'outer[0].cell[1]', 'outer[1].cell[0]']);
    expect(run.node('outer[1].cell[0]')).toMatchObject({ parameters: { row: [3] }, loopArgument: 3 });
  });

  it('reads an artifact’s JSON list before creating the iterations', () => {
    const run = new Run(loopOverFile({ after: step({ deps: 'each' }) }));
    run.start();
    const path = run.node('make').outputArtifacts.list!;
    const commands = run.finish('make');
    expect(commands).toEqual([
      expect.objectContaining({ type: 'recordArtifacts', key: 'make', kind: 'output' }),
      { type: 'readArtifacts', key: 'each[0]', paths: [path], limit: 1_048_576 },
    ]);
    expect(run.node('each[0]')).toMatchObject({
      status: 'init',
      waitingFor: { purpose: 'loop', paths: [path] },
    });
    // An answer that does not cover the read is not this read's answer.
    expect(run.send({ type: 'artifactsRead', key: 'each[0]', contents: { other: '[1]' } })).toEqual([]);
    const answered = run.send({ type: 'artifactsRead', key: 'each[0]', contents: { [path]: '["a", "b"]' } });
    expect(dispatchedKeys(answered)).toEqual(['each[0]', 'each[1]']);
    expect(run.node('each[0]').waitingFor).toBeUndefined();
    expect(run.node('each[1]')).toMatchObject({ loopArgument: 'b', loopCount: 2 });
    run.finish('each[0]');
    expect(dispatchedKeys(run.finish('each[1]'))).toEqual(['after']);
  });

  it('fails the component when the artifact cannot be read or is not a list', () => {
    const spec = loopOverFile();
    const unreadable = new Run(spec);
    unreadable.start();
    const path = unreadable.node('make').outputArtifacts.list!;
    unreadable.finish('make');
    unreadable.send({
      type: 'artifactsRead',
      key: 'each[0]',
      contents: { [path]: null },
      error: 'no such file',
    });
    expect(unreadable.node('each[0]').status).toBe('failed');
    expect(unreadable.node('each[0]').message).toContain('no such file');
    expect(unreadable.state.status).toBe('failed');

    const notList = new Run(spec);
    notList.start();
    notList.finish('make');
    notList.send({ type: 'artifactsRead', key: 'each[0]', contents: { [path]: '{"a": 1}' } });
    expect(notList.node('each[0]').message).toContain('should be a list or a JSON list');
  });

  it('gives an empty list one iteration, which fails', () => {
    const run = new Run(pipeline({ a: step({ loop_argument: [] }) }));
    expect(dispatchedKeys(run.start())).toEqual([]);
    expect(run.statuses()).toEqual({ 'a[0]': 'failed' });
    expect(run.node('a[0]').message).toContain('empty list');
    expect(run.state.status).toBe('failed');
  });
});

describe('conditions and disabled', () => {
  it('skips on false, runs on true, fails on a non-boolean result', () => {
    const run = new Run(
      pipeline(
        {
          yes: step({ parameters: { n: 10 }, condition: '{{n}} > 0' }),
          no: step({ parameters: { mode: 'eval' }, condition: "{{mode}} == 'train'" }),
          bad: step({ parameters: { n: 1 }, condition: '{{n}} + 1' }),
        },
        // Under fail_fast the failed condition would cancel `yes` before it is dispatched.
        { failure_options: { strategy: 'continue' } },
      ),
    );
    expect(dispatchedKeys(run.start())).toEqual(['yes']);
    expect(run.status('no')).toBe('skipped');
    expect(run.node('bad')).toMatchObject({ status: 'failed' });
    expect(run.node('bad').message).toContain('not true or false');
  });

  it('reads artifact contents (≤ 1 KB) for a condition', () => {
    const spec = pipeline({
      make: step({ artifacts: { output: ['score'] } }),
      gate: step({
        deps: 'make',
        artifacts: { input: { score: '{{make.score}}' } },
        condition: '{{score}} > 0.5',
      }),
    });
    for (const [content, expected] of [
      ['0.9', 'pending'],
      ['0.1', 'skipped'],
      ['x'.repeat(1025), 'failed'],
    ] as const) {
      const run = new Run(spec);
      run.start();
      const path = run.node('make').outputArtifacts.score!;
      expect(run.finish('make')).toEqual([
        expect.objectContaining({ type: 'recordArtifacts', key: 'make', kind: 'output' }),
        { type: 'readArtifacts', key: 'gate', paths: [path], limit: 1024 },
      ]);
      expect(run.node('gate').waitingFor).toEqual({ purpose: 'condition', paths: [path], limit: 1024 });
      run.send({ type: 'artifactsRead', key: 'gate', contents: { [path]: content } });
      expect(run.status('gate')).toBe(expected);
    }
  });

  it('skips a DAG whose condition is false without creating its children', () => {
    const run = new Run(
      pipeline({
        d: { parameters: { go: 0 }, condition: '{{go}} == 1', entry_points: { x: step() } },
        after: step({ deps: 'd' }),
      }),
    );
    expect(dispatchedKeys(run.start())).toEqual(['after']);
    expect(run.statuses()).toEqual({ d: 'skipped', after: 'pending' });
  });

  it('skips disabled components (steps and DAGs) and lets their downstream run', () => {
    const run = new Run(
      pipeline(
        { a: step(), d: { entry_points: { x: step() } }, b: step({ deps: 'a,d' }) },
        { disabled: 'a,d' },
      ),
    );
    expect(dispatchedKeys(run.start())).toEqual(['b']);
    expect(run.node('a')).toMatchObject({ status: 'skipped', message: 'step[a] is disabled, skip running' });
    expect(run.statuses()).toEqual({ a: 'skipped', d: 'skipped', b: 'pending' });
  });
});

describe('the spec fixture, end to end', () => {
  it('runs every construct of PaddleFlow’s YAML to success', () => {
    const spec = parsePipelineYaml(
      readFileSync(join(import.meta.dirname, '../spec/fixtures/dag-pipeline.yaml'), 'utf8'),
    );
    const result = simulate(createRunState(spec, context('run-000042')), {
      random: prng(7),
      outcome: () => 'succeeded',
      // draw writes [3, 12, -4]; split writes the highs [12] and lows [-4]; other files are not read.
      output: (path) => {
        return path.endsWith('/drawn') ? '[3, 12, -4]' : path.endsWith('/high') ? '[12]' : '[-4]';
      },
    });
    const status = (key: string) => result.state.nodes[key]?.status;
    expect(result.state.status).toBe('succeeded');
    expect(status('noisy')).toBe('skipped');
    expect(['square-all[0]', 'square-all[1]', 'square-all[2]'].map(status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(result.state.nodes['square-all[1].square']!.parameters).toEqual({ n: 12 });
    // positives loops over [12]: `small`'s condition `12 < 10` is false.
    expect(status('positives[0].small')).toBe('skipped');
    // negatives (a reference to a DAG) loops over [-4]; check's condition `-4 > -10` holds.
    expect(status('negatives[0].check.absolute')).toBe('succeeded');
    expect(result.state.nodes['negatives[0].check.absolute']!.parameters).toEqual({ value: -4, printed: -4 });
    expect(status('post:notify')).toBe('succeeded');
    const total = result.state.nodes.total!;
    expect(total.inputArtifacts.squares!.split(',')).toHaveLength(3);
  });
});
