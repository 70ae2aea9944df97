/**
 * The compiled model: defaults, inheritance, reference resolution, run overrides and the `/runjson` form.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type DagSpec,
  parseRunJson,
  type StepSpec,
  toRunJsonKeys,
} from '../../../shared/engine/spec/index.ts';
import { accept, base, reject } from './support.ts';

const fixture = readFileSync(join(import.meta.dirname, 'fixtures/dag-pipeline.yaml'), 'utf8');

describe('the compiled model', () => {
  const spec = accept(fixture);

  it('keeps the DAG as PaddleFlow builds it', () => {
    expect(Object.keys(spec.entryPoints).sort()).toEqual([
      'draw',
      'negatives',
      'noisy',
      'positives',
      'split',
      'square-all',
      'total',
    ]);
    expect(spec.entryPoints.total!.deps).toEqual(['square-all']);
    const squareAll = spec.entryPoints['square-all'] as DagSpec;
    expect(squareAll.kind).toBe('dag');
    expect(squareAll.loopArgument).toEqual({ kind: 'artifact', name: 'drawn' });
    expect(squareAll.outputArtifacts).toEqual({ squares: '{{square.result}}' });
    expect(squareAll.entryPoints.square!.path).toBe('square-all.square');
  });

  it('applies the pipeline defaults', () => {
    expect(spec.parallelism).toBe(5);
    expect(spec.disabled).toEqual(['noisy']);
    expect(spec.failureStrategy).toBe('fail_fast');
    expect(spec.fsOptions).toEqual({
      mainFs: { name: 'data', readOnly: false },
      extraFs: [{ name: 'models', readOnly: false }],
    });
    const minimal = accept(base());
    expect(minimal.parallelism).toBe(10);
    expect(minimal.cache).toEqual({ enable: false, maxExpiredTime: '-1', fsScope: [] });
    expect(accept(base(undefined, { parallelism: 0 })).parallelism).toBe(10);
    expect(accept(base(undefined, { parallelism: 99 })).parallelism).toBe(20);
  });

  it('reduces typed params to their values, keeping the type', () => {
    expect(spec.entryPoints.draw!.parameters).toMatchObject({
      low: { value: -10 },
      label: { type: 'string', value: 'sample' },
      ratio: { type: 'float', value: 0.5 },
    });
  });

  it('lets steps inherit the image and the pipeline cache, step settings first', () => {
    const doc = base(
      {
        a: { command: 'x', cache: { enable: false, fs_scope: [{ name: 'data' }] } },
        b: { command: 'y', docker_env: 'own:1' },
      },
      {
        cache: { enable: true, max_expired_time: 60, fs_scope: [{ name: 'data', path: '/in' }] },
        post_process: { p: { command: 'z' } },
      },
    );
    const compiled = accept(doc);
    const a = compiled.entryPoints.a as StepSpec;
    expect(a.dockerEnv).toBe('python:3.12');
    expect(a.cache).toEqual({
      enable: false,
      maxExpiredTime: '60',
      fsScope: [
        { name: 'data', path: '/' },
        { name: 'data', path: '/in' },
      ],
    });
    expect((compiled.entryPoints.b as StepSpec).dockerEnv).toBe('own:1');
    expect((compiled.entryPoints.b as StepSpec).cache.enable).toBe(true);
    // post_process ignores the pipeline cache (§4.5).
    expect(compiled.postProcess.p!.cache).toEqual({ enable: false, maxExpiredTime: '-1', fsScope: [] });
  });

  it('resolves reference steps into their templates, re-rooting paths and merging parameters along the chain', () => {
    const negatives = spec.entryPoints.negatives as DagSpec;
    expect(negatives).toMatchObject({
      kind: 'dag',
      reference: 'negatives',
      deps: ['split'],
      inputArtifacts: { values: '{{split.low}}' },
    });
    expect(negatives.loopArgument).toEqual({ kind: 'artifact', name: 'values' });
    const check = negatives.entryPoints.check as DagSpec;
    expect(check.path).toBe('negatives.check');
    expect(check.condition).toBe('{{value}} > -10');
    expect(check.parameters.value).toEqual({ value: '{{PF_PARENT.PF_LOOP_ARGUMENT}}' });
    expect((check.entryPoints.absolute as StepSpec).path).toBe('negatives.check.absolute');

    const chained = accept(
      base(
        { a: { reference: { component: 't' }, parameters: { x: 3 } } },
        {
          components: {
            t: { reference: { component: 'u' }, parameters: { x: 2, y: 2 } },
            u: { command: 'run {{x}} {{y}} {{z}}', parameters: { x: 1, y: 1, z: 1 } },
          },
        },
      ),
    );
    expect(chained.entryPoints.a).toMatchObject({
      kind: 'step',
      command: 'run {{x}} {{y}} {{z}}',
      reference: 't',
      parameters: { x: { value: 3 }, y: { value: 2 }, z: { value: 1 } },
    });
  });

  it('stringifies env numbers as Go does', () => {
    const compiled = accept(base({ a: { command: 'x', env: { N: 1.5, M: 3, T: 1e-7 } } }));
    expect((compiled.entryPoints.a as StepSpec).env).toEqual({ N: '1.5', M: '3', T: '0.0000001' });
  });

  it('takes the run fs as main fs when the YAML names none', () => {
    const doc = {
      name: 'demo',
      entry_points: { a: { command: 'x > {{out}}', artifacts: { output: ['out'] } } },
    };
    reject(doc, /no Fs mounted/);
    expect(accept(doc, { fsName: 'mine' }).fsOptions.mainFs).toEqual({ name: 'mine', readOnly: false });
  });
});

describe('run overrides', () => {
  const doc = base(
    {
      a: { command: 'x', parameters: { lr: 0.1, epochs: { type: 'int', default: 1 } } },
      d: { parameters: { lr: 0.2 }, entry_points: { b: { command: 'y', parameters: { lr: 0.3 } } } },
      r: { reference: { component: 't' } },
    },
    {
      components: { t: { command: 'z', parameters: { lr: 0.4 } } },
      post_process: { p: { command: 'w', parameters: { lr: 0.5 } } },
    },
  );
  const lr = (spec: ReturnType<typeof accept>, path: string[]) => {
    let node = spec.entryPoints[path[0]!] ?? spec.postProcess[path[0]!];
    for (const name of path.slice(1)) node = (node as DagSpec).entryPoints[name];
    return node!.parameters.lr!.value;
  };

  it('replaces a plain name everywhere it is declared, reference steps included', () => {
    const spec = accept(doc, { parameters: { lr: 1 } });
    expect([['a'], ['d'], ['d', 'b'], ['r'], ['p']].map((path) => lr(spec, path))).toEqual([1, 1, 1, 1, 1]);
  });

  it('replaces a dotted name in that component only', () => {
    const spec = accept(doc, { parameters: { 'd.b.lr': 9, 'a.epochs': 4 } });
    expect([lr(spec, ['a']), lr(spec, ['d']), lr(spec, ['d', 'b'])]).toEqual([0.1, 0.2, 9]);
    expect(spec.entryPoints.a!.parameters.epochs).toEqual({ type: 'int', value: 4 });
  });

  it('refuses unknown names and values of the wrong type', () => {
    reject(doc, /^run parameter \[nope\] is not a parameter of any component$/, { parameters: { nope: 1 } });
    reject(doc, /^run parameter \[x\.lr\] names component \[x\], which does not exist$/, {
      parameters: { 'x.lr': 1 },
    });
    reject(doc, /^run parameter \[a\.nope\]: step \[a\] has no parameter \[nope\]$/, {
      parameters: { 'a.nope': 1 },
    });
    reject(doc, /^run parameter \[epochs\] for step \[a\] is a int param, so its value must be an integer/, {
      parameters: { epochs: 'many' },
    });
    reject(
      doc,
      /^parameter \[lr\] of step \[a\] is boolean true; a parameter is a number, a string, a list/,
      {
        parameters: { 'a.lr': true },
      },
    );
  });

  it('gives a typed param without a default its value at run time', () => {
    const open = base({ a: { command: 'x', parameters: { p: { type: 'string' } } } });
    reject(open, /with no default/);
    expect(accept(open, { parameters: { p: 'given' } }).entryPoints.a!.parameters.p).toEqual({
      type: 'string',
      value: 'given',
    });
  });

  it('applies the request overrides of §1.7', () => {
    const spec = accept(base(), {
      overrides: { name: 'renamed', dockerEnv: 'other:1', failureStrategy: 'continue', disabled: 'a' },
    });
    expect(spec).toMatchObject({
      name: 'renamed',
      dockerEnv: 'other:1',
      failureStrategy: 'continue',
      disabled: ['a'],
    });
  });
});

describe('/runjson', () => {
  it('turns a pipeline into the same model through its camelCase JSON form', () => {
    const document = parse(fixture) as Record<string, unknown>;
    const json = toRunJsonKeys(document);
    expect(json).toHaveProperty('entryPoints');
    expect(json).toHaveProperty('fsOptions.mainFS.name', 'data');
    expect(json).not.toHaveProperty('entry_points');
    expect(parseRunJson(JSON.parse(JSON.stringify(json))).spec).toEqual(accept(fixture));
  });

  it('copies run-level env, flavour, queue and job type into steps that do not set them', () => {
    const { spec, username, description } = parseRunJson({
      name: 'demo',
      username: 'alice',
      description: 'from the SDK',
      flavour: 'flavour2',
      env: { SHARED: 'yes', PF_JOB_QUEUE_NAME: 'q-run' },
      entryPoints: { a: { command: 'x', env: { SHARED: 'mine' } }, b: { command: 'y', queue: 'q-step' } },
    });
    expect({ username, description }).toEqual({ username: 'alice', description: 'from the SDK' });
    expect((spec.entryPoints.a as StepSpec).env).toEqual({
      SHARED: 'mine',
      PF_JOB_QUEUE_NAME: 'q-run',
      PF_JOB_FLAVOUR: 'flavour2',
    });
    expect((spec.entryPoints.b as StepSpec).env).toEqual({
      SHARED: 'yes',
      PF_JOB_QUEUE_NAME: 'q-step',
      PF_JOB_FLAVOUR: 'flavour2',
    });
  });

  it("copies a step's flavour, queue and job type into its env where env does not set them", () => {
    const { spec } = parseRunJson({
      name: 'demo',
      entryPoints: {
        a: {
          command: 'x',
          flavour: 'flavour1',
          jobType: 'single',
          queue: 'q1',
          env: { PF_JOB_QUEUE_NAME: 'mine' },
        },
      },
    });
    expect((spec.entryPoints.a as StepSpec).env).toEqual({
      PF_JOB_FLAVOUR: 'flavour1',
      PF_JOB_QUEUE_NAME: 'mine',
      PF_JOB_TYPE: 'single',
    });
    // In YAML these are not step keys (PaddleFlow's parser refuses them there).
    reject(base({ a: { command: 'x', flavour: 'flavour1' } }), /^step \[a\] has no attribute \[flavour\]$/);
  });

  it('refuses run-level keys in YAML and bodies that are not objects', () => {
    reject(base(undefined, { flavour: 'x' }), /^workflow has no attribute \[flavour\]$/);
    expect(() => parseRunJson([])).toThrow(/must be a JSON object/);
  });
});
