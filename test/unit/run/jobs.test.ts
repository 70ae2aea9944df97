/** Jobs as dispatched (§3.5, §3.6): templates, artifact paths, mounts, ids, execution names, resume. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executionName, type JobSpec, reconcile } from '../../../shared/engine/run/index.ts';
import { context, dispatches, MOUNT, pipeline, Run } from './support.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const jobOf = (run: Run, key: string): JobSpec => {
  const found = dispatches(run.commands).find((c) => c.job.key === key);
  expect(found, `dispatch of ${key}`).toBeDefined();
  return found!.job;
};

describe('the dispatched job', () => {
  const spec = () =>
    pipeline(
      {
        gen: {
          command: 'gen --rate {{rate}} --big {{big}} --out {{model}} --run {{PF_RUN_ID}}',
          parameters: { rate: 0.000001, big: 1e21, tag: 'v{{PF_RUN_ID}}' },
          env: { RATE: '{{rate}}', WHO: '{{PF_USER_NAME}}-{{PF_STEP_NAME}}', PLAIN: 7 },
          artifacts: { output: ['model'] },
          extra_fs: [{ name: 'models', mount_path: '/models', read_only: true }],
        },
        outer: {
          deps: 'gen',
          loop_argument: ['p', 'q'],
          parameters: { rate: '{{gen.rate}}', note: '{{gen.tag}}!' },
          artifacts: { input: { model: '{{gen.model}}' } },
          entry_points: {
            eval: {
              command: 'eval {{m}} {{r}} > {{report}}',
              parameters: { r: '{{PF_PARENT.rate}}', item: '{{PF_PARENT.PF_LOOP_ARGUMENT}}' },
              artifacts: { input: { m: '{{PF_PARENT.model}}' }, output: ['report'] },
            },
          },
        },
      },
      { fs_options: { main_fs: { name: 'data', sub_path: 'work/space' }, extra_fs: [{ name: 'models' }] } },
    );

  it('resolves command, env and parameters, with Go number formatting and container paths', () => {
    const run = new Run(spec(), context('run-000001', 'work/space'));
    run.start();
    const dir = `.pipeline/run-000001/ppl/gen-0-${md5('ppl.entry_points.gen')}`;
    const model = `work/space/${dir}/model`;
    expect(jobOf(run, 'gen')).toEqual({
      runId: 'run-000001',
      key: 'gen',
      attempt: 1,
      jobId: run.node('gen').id,
      jobName: 'run-000001-gen',
      stepName: 'gen',
      command: `gen --rate 0.000001 --big 1000000000000000000000 --out ${MOUNT}/${dir}/model --run run-000001`,
      dockerEnv: 'python:3.12',
      env: {
        RATE: '0.000001',
        WHO: 'root-gen',
        PLAIN: '7',
        PF_RUN_ID: 'run-000001',
        PF_STEP_NAME: 'gen',
        PF_USER_NAME: 'root',
        PF_LOOP_ARGUMENT: '',
        PF_OUTPUT_ARTIFACT_MODEL: `${MOUNT}/${dir}/model`,
        PF_WORK_DIR: MOUNT,
      },
      workDir: MOUNT,
      mounts: [
        { id: 'fs-root-data', name: 'data', mountPath: MOUNT, subPath: 'work/space', readOnly: false },
        {
          id: 'fs-root-models',
          name: 'models',
          mountPath: '/home/paddleflow/storage/mnt/fs-root-models',
          subPath: '',
          readOnly: false,
        },
        { id: 'fs-root-models', name: 'models', mountPath: '/models', subPath: '', readOnly: true },
      ],
      outputPaths: [model],
    });
    expect(run.node('gen')).toMatchObject({
      status: 'pending',
      parameters: { rate: 0.000001, big: 1e21, tag: 'vrun-000001' },
      outputArtifacts: { model },
      command: jobOf(run, 'gen').command,
      env: jobOf(run, 'gen').env,
      dockerEnv: 'python:3.12',
    });
    expect(run.node('gen').id).toMatch(/^job-run-000001-gen-[0-9a-f]{8}$/);
  });

  it('passes upstream and PF_PARENT values down to a looped DAG’s children, paths named by runtime name', () => {
    const run = new Run(spec(), context('run-000001', 'work/space'));
    run.start();
    const model = run.node('gen').outputArtifacts.model!;
    run.finish('gen');
    expect(run.node('outer[1]')).toMatchObject({
      parameters: { rate: 0.000001, note: 'vrun-000001!' },
      inputArtifacts: { model },
      loopArgument: 'q',
    });
    const second = run.node('outer[1].eval');
    expect(second.parameters).toEqual({ r: 0.000001, item: 'q' });
    // A DAG iteration > 0 appears as `<dag>-<seq>` in the runtime name; seq 0 adds nothing.
    const report = `work/space/.pipeline/run-000001/ppl/eval-0-${md5('ppl.entry_points.outer-1.eval')}/report`;
    expect(second.outputArtifacts).toEqual({ report });
    expect(run.node('outer[0].eval').outputArtifacts.report).toBe(
      `work/space/.pipeline/run-000001/ppl/eval-0-${md5('ppl.entry_points.outer.eval')}/report`,
    );
    const job = jobOf(run, 'outer[1].eval');
    const container = (path: string) => `${MOUNT}/${path.slice('work/space/'.length)}`;
    expect(job.command).toBe(`eval ${container(model)} 0.000001 > ${container(report)}`);
    expect(job.env).toMatchObject({
      PF_STEP_NAME: 'eval',
      PF_INPUT_ARTIFACT_M: container(model),
      PF_OUTPUT_ARTIFACT_REPORT: container(report),
    });
    expect(job.jobName).toBe('run-000001-eval');
  });

  it('has no working directory with PF_MOUNT_PATH: NONE', () => {
    const run = new Run(pipeline({ a: { command: 'pwd', env: { PF_MOUNT_PATH: 'NONE' } } }));
    run.start();
    const job = jobOf(run, 'a');
    expect(job.workDir).toBeUndefined();
    expect('workDir' in job).toBe(false);
    expect(job.env).toMatchObject({ PF_MOUNT_PATH: 'NONE', PF_WORK_DIR: 'null' });
  });

  it('names the post-process step’s artifacts by its own runtime name', () => {
    const run = new Run(
      pipeline(
        { a: { command: 'x' } },
        { post_process: { tidy: { command: 'y', artifacts: { output: ['log'] } } } },
      ),
    );
    run.start();
    run.finish('a');
    expect(run.node('post:tidy')).toMatchObject({
      path: 'post:tidy',
      parentKey: '',
      outputArtifacts: { log: `.pipeline/run-000001/ppl/tidy-0-${md5('ppl.post_process.tidy')}/log` },
    });
    expect(run.node('post:tidy').id).toMatch(/^job-run-000001-tidy-[0-9a-f]{8}$/);
  });

  it('gives a sibling’s first iteration value to `{{sibling.param}}`', () => {
    const run = new Run(
      pipeline({
        a: { command: 'x', loop_argument: [1, 2], parameters: { v: 'from-a' } },
        b: { command: 'echo {{v}}', deps: 'a', parameters: { v: '{{a.v}}' } },
      }),
    );
    run.start();
    run.drain();
    expect(jobOf(run, 'b').command).toBe('echo from-a');
  });
});

describe('ids and execution names', () => {
  it('are stable: the same run, key and attempt give the same id', () => {
    const a = new Run(pipeline({ s: { command: 'x' }, d: { entry_points: { s: { command: 'x' } } } }));
    const b = new Run(pipeline({ s: { command: 'x' }, d: { entry_points: { s: { command: 'x' } } } }));
    a.start();
    b.start();
    expect(a.node('s').id).toBe(b.node('s').id);
    expect(a.node('d').id).toBe(b.node('d').id);
    // Same step name, different DAG: the hex tells them apart.
    expect(a.node('d.s').id).not.toBe(a.node('s').id);
    expect(a.node('d.s').id.startsWith('job-run-000001-s-')).toBe(true);
  });

  it('are `<run>.<key>.<attempt>`, only [A-Za-z0-9-_.], at most 80 characters, unique', () => {
    expect(executionName('run-000001', 'train', 1)).toBe('run-000001.train.1');
    expect(executionName('run-000001', 'dag1[2].train[0]', 3)).toBe('run-000001.dag1_2.train_0.3');
    expect(executionName('run-000001', 'post:tidy', 1)).toBe('run-000001.post_tidy.1');
    const long = `${'a23456789-'.repeat(10)}`;
    const names = [
      executionName('run-000001', `${long}.x`, 1),
      executionName('run-000001', `${long}.y`, 1),
      executionName('run-000001', `${long}.x`, 2),
      executionName('run-000001', 'x[1]', 1),
      executionName('run-000001', 'x[10]', 1),
      executionName('run-000001', 'x[1]0', 1),
    ];
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(/^[A-Za-z0-9\-_.]+$/);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toHaveLength(80);
    expect(names[0]!.endsWith('.1')).toBe(true);
    expect(executionName('run-000001', `${long}.x`, 1)).toBe(names[0]);
  });

  it('stay valid and distinct for any keys', () => {
    const segment = fc.stringMatching(/^[a-z][a-z0-9-]{0,29}(\[\d{1,3}\])?$/);
    const key = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => s.join('.')),
      fc.string(),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { minLength: 2, maxLength: 20 }),
        fc.integer({ min: 1, max: 99 }),
        (keys, attempt) => {
          const names = keys.map((k) => executionName('run-000123', k, attempt));
          for (const name of names) expect(name).toMatch(/^[A-Za-z0-9\-_.]{1,80}$/);
          expect(new Set(names).size).toBe(keys.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('resume', () => {
  it('re-issues every command the state implies, and changes nothing else', () => {
    const run = new Run(
      pipeline({
        make: { command: 'x', artifacts: { output: ['list'] } },
        each: {
          command: 'y',
          deps: 'make',
          artifacts: { input: { l: '{{make.list}}' } },
          loop_argument: '{{l}}',
        },
        slow: { command: 'z' },
        quick: { command: 'q' },
      }),
    );
    const first = run.start();
    run.send({ type: 'started', key: 'slow', attempt: 1, at: 'x' });
    run.finish('make');
    const saved = run.state;
    const again = reconcile(saved, [{ type: 'resume' }], 'later');
    expect(again.state).toBe(saved);
    const path = saved.nodes.make!.outputArtifacts.list!;
    expect(again.commands).toEqual([
      { type: 'readArtifacts', key: 'each[0]', paths: [path], limit: 1_048_576 },
      ...first.filter((c) => c.type === 'dispatch' && c.job.key === 'quick'),
    ]);
    const stopped = reconcile(saved, [{ type: 'stop', force: false }], 'later').state;
    expect(reconcile(stopped, [{ type: 'resume' }], 'later').commands).toEqual([
      { type: 'kill', key: 'quick', attempt: 1 },
      { type: 'kill', key: 'slow', attempt: 1 },
    ]);
  });

  it('ignores events about unknown keys, other attempts and final nodes', () => {
    const run = new Run(pipeline({ a: { command: 'x' } }));
    run.start();
    const state = run.state;
    const at = 'x';
    for (const event of [
      { type: 'finished', key: 'nope', attempt: 1, status: 'succeeded', at },
      { type: 'finished', key: 'a', attempt: 2, status: 'succeeded', at },
      { type: 'started', key: 'a', attempt: 2, at },
      { type: 'artifactsRead', key: 'a', contents: {} },
    ] as const) {
      const result = reconcile(state, [event], 'now');
      expect(result.state).toBe(state);
      expect(result.commands).toEqual([]);
    }
    run.finish('a');
    const done = run.state;
    expect(
      reconcile(done, [{ type: 'finished', key: 'a', attempt: 1, status: 'failed', at }], 'now').state,
    ).toBe(done);
  });
});
