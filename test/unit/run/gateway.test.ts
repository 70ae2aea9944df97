/**
 * Gateways in the engine (gateway.ts): exclusive (first / only) and parallel routing, the default, failures,
 * skipping what was not taken (and what only a not-taken branch leads to), conditions on artifact contents,
 * and the operator's retry and skip (with flows) of a gateway halted in a debug run.
 */
import { describe, expect, it } from 'vitest';
import { type ControlOperation, createRunState } from '../../../shared/engine/run/index.ts';
import {
  context,
  control,
  type Doc,
  dispatchedKeys,
  dispatches,
  expectRefused,
  pipeline,
  Run,
} from './support.ts';

const work = (deps: string, extra: Doc = {}) => ({ command: `echo ${deps}`, deps, ...extra });

/**
 * `train` (whose `acc` the gateway reads) → gateway `choose` → `deploy` | `retrain` | `report`.
 * `branches` default to deploy (acc > 0.9) and retrain (acc <= 0.9).
 */
function routing(
  gateway: Doc,
  {
    acc = 0.95,
    more = {},
    extra = {},
    choose = {},
  }: { acc?: unknown; more?: Doc; extra?: Doc; choose?: Doc } = {},
) {
  return pipeline(
    {
      train: { command: 'echo train', parameters: { acc } },
      choose: { deps: 'train', parameters: { acc: '{{train.acc}}' }, gateway, ...choose },
      deploy: work('choose'),
      retrain: work('choose'),
      report: work('choose'),
      ...more,
    },
    extra,
  );
}

const branches = [
  { target: 'deploy', condition: '{{acc}} > 0.9' },
  { target: 'retrain', condition: '{{acc}} <= 0.9' },
];
const exclusive = (extra: Doc = {}) => ({ type: 'exclusive', branches, default: 'report', ...extra });

/** Starts the run and finishes `train`: the gateway then decides. */
function decided(spec: ReturnType<typeof pipeline>, debug = false) {
  const run = Run.of({ ...createRunState(spec, context()), ...(debug ? { debug: true } : {}) });
  run.start();
  const commands = run.finish('train');
  return { run, commands };
}

/** Gateway refusals are about the request (flows, outputs) unless said otherwise. */
const refuse = (run: Run, operation: ControlOperation, reason: RegExp, kind = 'input') =>
  expectRefused(run, operation, reason, kind);

const untaken = (key: string) => ({
  status: 'skipped',
  untaken: 'choose',
  message: expect.stringMatching(/not taken by gateway \[choose\]/),
  key,
});

describe('exclusive gateways', () => {
  it('first: takes the first branch that holds, skips the others, runs no job of its own', () => {
    const both = [
      { target: 'deploy', condition: '{{acc}} > 0.5' },
      { target: 'retrain', condition: '{{acc}} > 0.1' },
    ];
    const { run, commands } = decided(routing({ type: 'exclusive', branches: both, default: 'report' }));
    expect(dispatchedKeys(commands)).toEqual(['deploy']);
    expect(run.node('choose')).toMatchObject({
      status: 'succeeded',
      route: ['deploy'],
      message: 'took [deploy]',
    });
    expect(run.node('choose').startTime).toBeDefined();
    expect(run.node('choose').endTime).toBeDefined();
    expect(run.node('retrain')).toMatchObject(untaken('retrain'));
    expect(run.node('report')).toMatchObject(untaken('report'));
    expect(run.node('deploy').untaken).toBeUndefined();
    run.drain();
    expect(run.state.status).toBe('succeeded');
    expect(dispatches(run.commands).map((command) => command.job.key)).not.toContain('choose');
  });

  it('first: later branches are not evaluated once one holds', () => {
    const later = [
      { target: 'deploy', condition: '{{acc}} > 0.5' },
      { target: 'retrain', condition: "{{acc}} =~ '('" },
    ];
    const { run } = decided(routing({ type: 'exclusive', branches: later }));
    expect(run.node('choose')).toMatchObject({ status: 'succeeded', route: ['deploy'] });
  });

  it('only: takes the one branch that holds', () => {
    const { run, commands } = decided(routing(exclusive({ mode: 'only' }), { acc: 0.5 }));
    expect(dispatchedKeys(commands)).toEqual(['retrain']);
    expect(run.node('choose').route).toEqual(['retrain']);
    expect(run.node('deploy')).toMatchObject(untaken('deploy'));
  });

  it('only: fails when two branches hold, naming how many and which', () => {
    const both = [
      { target: 'deploy', condition: '{{acc}} > 0.5' },
      { target: 'retrain', condition: '{{acc}} > 0.1' },
    ];
    const { run, commands } = decided(routing({ type: 'exclusive', mode: 'only', branches: both }));
    expect(dispatchedKeys(commands)).toEqual([]);
    expect(run.node('choose')).toMatchObject({
      status: 'failed',
      message:
        '2 branches of gateway [choose] held: [deploy, retrain]; an exclusive gateway in mode only takes exactly one',
    });
    expect(run.node('choose').route).toBeUndefined();
    expect(run.status('deploy')).toBe('cancelled');
    expect(run.state.status).toBe('failed');
  });

  it('only: takes the default when none holds', () => {
    const none = [{ target: 'deploy', condition: '{{acc}} > 2' }];
    const { run, commands } = decided(
      routing({ type: 'exclusive', mode: 'only', branches: none, default: 'report' }),
    );
    // `retrain` is none of its targets: it runs after the gateway as after any step.
    expect(dispatchedKeys(commands)).toEqual(['report', 'retrain']);
    expect(run.node('choose')).toMatchObject({
      route: ['report'],
      message: 'no branch held; took the default [report]',
    });
    expect(run.node('deploy')).toMatchObject(untaken('deploy'));
    expect(run.node('retrain').untaken).toBeUndefined();
  });

  it('takes the default when no branch holds, and fails without one', () => {
    const none = [
      { target: 'deploy', condition: '{{acc}} > 2' },
      { target: 'retrain', condition: '{{acc}} < 0' },
    ];
    const withDefault = decided(routing({ type: 'exclusive', branches: none, default: 'report' })).run;
    expect(withDefault.node('choose').route).toEqual(['report']);
    expect(withDefault.status('report')).toBe('pending');

    const { run } = decided(routing({ type: 'exclusive', branches: none }));
    expect(run.node('choose')).toMatchObject({
      status: 'failed',
      message: 'no branch of gateway [choose] held and it has no default',
    });
    expect(run.state.status).toBe('failed');
  });

  it('fails when a branch condition cannot be evaluated', () => {
    const { run } = decided(routing(exclusive(), { acc: 'high' }));
    expect(run.node('choose')).toMatchObject({ status: 'failed' });
    expect(run.node('choose').message).toMatch(
      /^cannot evaluate the condition of branch \[deploy\] of gateway \[choose\]: \[>\] cannot compare/,
    );
  });
});

describe('parallel gateways', () => {
  it('takes every branch that holds, side by side, and skips the rest', () => {
    const three = [
      { target: 'deploy', condition: '{{acc}} > 0.5' },
      { target: 'retrain', condition: '{{acc}} > 2' },
      { target: 'report', condition: '{{acc}} > 0.1' },
    ];
    const { run, commands } = decided(routing({ type: 'parallel', branches: three }));
    expect(dispatchedKeys(commands)).toEqual(['deploy', 'report']);
    expect(run.node('choose')).toMatchObject({
      route: ['deploy', 'report'],
      message: 'took [deploy, report]',
    });
    expect(run.node('retrain')).toMatchObject(untaken('retrain'));
  });

  it('takes its default when none holds', () => {
    const none = [{ target: 'deploy', condition: '{{acc}} > 2' }];
    const { run } = decided(routing({ type: 'parallel', branches: none, default: 'report' }));
    expect(run.node('choose').route).toEqual(['report']);
  });
});

describe('what was not taken', () => {
  it('skips everything only a not-taken branch leads to; a join with one taken upstream runs', () => {
    const { run } = decided(
      routing(exclusive(), {
        more: {
          publish: work('deploy'),
          notify: work('publish'),
          tune: work('retrain'),
          box: { deps: 'retrain', entry_points: { inner: { command: 'echo inner' } } },
          join: work('deploy,retrain'),
          after: work('tune,box'),
        },
      }),
    );
    expect(run.statuses()).toMatchObject({
      deploy: 'pending',
      retrain: 'skipped',
      report: 'skipped',
      tune: 'skipped',
      box: 'skipped',
      after: 'skipped',
    });
    expect(run.node('tune')).toMatchObject({
      untaken: 'choose',
      message: 'its upstream was not taken by gateway [choose]',
    });
    expect(run.node('after').untaken).toBe('choose');
    expect(run.state.nodes['box.inner']).toBeUndefined();
    expect(run.state.nodes.join).toBeUndefined();
    run.finish('deploy');
    expect(run.status('publish')).toBe('pending');
    expect(run.status('join')).toBe('pending');
    expect(run.node('join').untaken).toBeUndefined();
    run.drain();
    expect(run.status('notify')).toBe('succeeded');
    expect(run.state.status).toBe('succeeded');
  });

  it('a looped target that is not taken gets one skipped node', () => {
    const { run } = decided(
      routing(exclusive(), { more: { retrain: work('choose', { loop_argument: [1, 2, 3] }) } }),
    );
    expect(run.node('retrain[0]')).toMatchObject(untaken('retrain[0]'));
  });

  it('a gateway skipped by its own condition, or disabled, takes none of its targets', () => {
    for (const extra of [{ choose: { condition: '{{acc}} > 2' } }, { extra: { disabled: 'choose' } }]) {
      const { run, commands } = decided(routing(exclusive(), { ...extra, more: { beside: work('choose') } }));
      expect(run.node('choose').status).toBe('skipped');
      expect(run.node('choose').route).toBeUndefined();
      for (const key of ['deploy', 'retrain', 'report']) expect(run.node(key)).toMatchObject(untaken(key));
      // A sibling after the gateway that is none of its targets runs as after any skipped step.
      expect(dispatchedKeys(commands)).toEqual(['beside']);
    }
  });

  it('a gateway down a branch not taken takes none of its own targets', () => {
    const { run } = decided(
      routing(exclusive(), {
        more: {
          again: {
            deps: 'retrain',
            gateway: { type: 'parallel', branches: [{ target: 'x', condition: '1 > 0' }] },
          },
          x: work('again'),
        },
      }),
    );
    expect(run.node('again')).toMatchObject({ status: 'skipped', untaken: 'choose' });
    expect(run.node('x')).toMatchObject({
      status: 'skipped',
      untaken: 'again',
      message: 'not taken by gateway [again]',
    });
  });

  it('routes inside a DAG, and in each iteration of a looped DAG on its own', () => {
    const run = new Run(
      pipeline({
        box: {
          loop_argument: [0.2, 0.95],
          entry_points: {
            choose: {
              parameters: { acc: '{{PF_PARENT.PF_LOOP_ARGUMENT}}' },
              gateway: exclusive(),
            },
            deploy: work('choose'),
            retrain: work('choose'),
            report: work('choose'),
          },
        },
      }),
    );
    expect(dispatchedKeys(run.start())).toEqual(['box[0].retrain', 'box[1].deploy']);
    expect(run.node('box[0].deploy')).toMatchObject({ status: 'skipped', untaken: 'box[0].choose' });
    expect(run.node('box[1].retrain')).toMatchObject({ status: 'skipped', untaken: 'box[1].choose' });
    run.drain();
    expect(run.state.status).toBe('succeeded');
  });
});

describe('conditions on artifacts', () => {
  /** `make` writes `score` and `flag`; the gateway reads `score` in a branch and `flag` in its own condition. */
  const spec = pipeline({
    make: { command: 'make', artifacts: { output: ['score', 'flag'] } },
    choose: {
      deps: 'make',
      artifacts: { input: { score: '{{make.score}}', flag: '{{make.flag}}' } },
      condition: "{{flag}} == 'go'",
      gateway: {
        type: 'exclusive',
        branches: [
          { target: 'deploy', condition: '{{score}} > 0.5' },
          { target: 'retrain', condition: '{{score}} <= 0.5' },
        ],
      },
    },
    deploy: work('choose'),
    retrain: work('choose'),
  });

  it('waits for one read of every file its conditions name, then routes on the contents', () => {
    for (const [score, taken] of [
      ['0.9', 'deploy'],
      ['0.1', 'retrain'],
    ] as const) {
      const run = new Run(spec);
      run.start();
      const { score: scorePath, flag: flagPath } = run.node('make').outputArtifacts;
      const commands = run.finish('make');
      expect(commands).toContainEqual({
        type: 'readArtifacts',
        key: 'choose',
        paths: [flagPath, scorePath],
        limit: 1024,
      });
      expect(run.node('choose')).toMatchObject({ status: 'init', waitingFor: { purpose: 'condition' } });
      expect(run.state.nodes.deploy).toBeUndefined();
      const answered = run.send({
        type: 'artifactsRead',
        key: 'choose',
        contents: { [scorePath!]: score, [flagPath!]: 'go' },
      });
      expect(dispatchedKeys(answered)).toEqual([taken]);
      expect(run.node('choose')).toMatchObject({ status: 'succeeded', route: [taken] });
      expect(run.node('choose').waitingFor).toBeUndefined();
    }
  });

  it('fails when a file a branch names cannot be read', () => {
    const run = new Run(spec);
    run.start();
    const { score, flag } = run.node('make').outputArtifacts;
    run.finish('make');
    run.send({
      type: 'artifactsRead',
      key: 'choose',
      contents: { [score!]: null, [flag!]: 'go' },
      error: 'no such file',
    });
    expect(run.node('choose')).toMatchObject({ status: 'failed' });
    expect(run.node('choose').message).toMatch(/branch \[deploy\].*no such file/);
  });
});

describe('a debug run', () => {
  const twoHold = [
    { target: 'deploy', condition: '{{acc}} > 0.5' },
    { target: 'retrain', condition: '{{acc}} > 0.1' },
  ];
  /** Branches that fail the gateway: the second cannot be evaluated. */
  const noneHold = [
    { target: 'deploy', condition: '{{acc}} > 2' },
    { target: 'retrain', condition: "{{acc}} =~ '('" },
  ];
  const halted = (
    gateway: Doc = { type: 'exclusive', mode: 'only', branches: twoHold, default: 'report' },
  ) => {
    const { run } = decided(routing(gateway), true);
    expect(run.node('choose')).toMatchObject({ status: 'halted' });
    return run;
  };

  it('halts a gateway that fails, leaving its targets waiting', () => {
    const run = halted();
    expect(run.node('choose').message).toMatch(/^2 branches of gateway \[choose\] held/);
    expect(run.state.nodes.deploy).toBeUndefined();
    expect(run.state.status).toBe('running');
  });

  it('skip with a flow takes that flow; the others are not taken', () => {
    const run = halted();
    const result = control(run, { op: 'skipNode', key: 'choose', flows: ['retrain'] });
    expect(result.refused).toEqual({});
    expect(run.node('choose')).toMatchObject({
      status: 'skipped',
      route: ['retrain'],
      operator: { action: 'skip', user: 'alice' },
    });
    expect(run.node('choose').message).toMatch(
      /^skipped by alice after it failed: 2 branches of gateway \[choose\] held.*; took \[retrain\]$/,
    );
    expect(dispatchedKeys(result.commands)).toEqual(['retrain']);
    expect(result.commands).toContainEqual(
      expect.objectContaining({ type: 'recordAttempt', record: expect.objectContaining({ key: 'choose' }) }),
    );
    expect(run.node('deploy')).toMatchObject(untaken('deploy'));
    expect(run.node('report')).toMatchObject(untaken('report'));
    run.drain();
    expect(run.state.status).toBe('succeeded');
  });

  it('skip of a parallel gateway takes every flow given, the default included', () => {
    const run = halted({ type: 'parallel', branches: noneHold, default: 'report' });
    expect(run.node('choose').message).toMatch(/^cannot evaluate/);
    const result = control(run, { op: 'skipNode', key: 'choose', flows: ['deploy', 'report'] });
    expect(result.refused).toEqual({});
    expect(dispatchedKeys(result.commands)).toEqual(['deploy', 'report']);
    expect(run.node('choose').route).toEqual(['deploy', 'report']);
    expect(run.node('choose').message).toMatch(/; took \[deploy, report\]$/);
    expect(run.node('retrain')).toMatchObject(untaken('retrain'));
  });

  it('refuses a skip without flows, with two on an exclusive gateway, or with one it does not have', () => {
    const run = halted();
    refuse(
      run,
      { op: 'skipNode', key: 'choose' },
      /exclusive gateway \[choose\] takes exactly one flow, not 0/,
    );
    refuse(
      run,
      { op: 'skipNode', key: 'choose', flows: ['deploy', 'retrain'] },
      /takes exactly one flow, not 2: choose among \[deploy, retrain, report\]/,
    );
    refuse(
      run,
      { op: 'skipNode', key: 'choose', flows: ['train'] },
      /^\[train\] is not a flow of gateway \[choose\]/,
    );
    refuse(
      run,
      { op: 'skipNode', key: 'choose', flows: ['deploy'], outputs: { model: '/m' } },
      /\[choose\] is a gateway: it has no outputs/,
    );
    const parallel = halted({ type: 'parallel', branches: noneHold });
    refuse(parallel, { op: 'skipNode', key: 'choose', flows: [] }, /takes one or more flows, not 0/);
  });

  it('refuses flows on a step that is not a gateway, whatever its state', () => {
    const { run } = decided(pipeline({ train: { command: 'echo train' }, x: work('train') }), true);
    refuse(run, { op: 'skipNode', key: 'train', flows: ['x'] }, /^node \[train\] is not a gateway/);
    run.finish('x', 'failed');
    refuse(run, { op: 'skipNode', key: 'x', flows: ['train'] }, /^node \[x\] is not a gateway/);
    // A skip of a gateway that has not failed is refused for its state (its flows are fine).
    const routed = decided(routing(exclusive())).run;
    refuse(
      routed,
      { op: 'skipNode', key: 'choose', flows: ['deploy'] },
      /\[choose\] is succeeded: only a failed node can be skipped/,
      'state',
    );
  });

  it('retry with new parameters evaluates the gateway again', () => {
    const run = halted();
    const result = control(run, { op: 'retryNode', key: 'choose', parameters: { acc: 0.3 } });
    expect(result.refused).toEqual({});
    expect(dispatchedKeys(result.commands)).toEqual(['retrain']);
    expect(run.node('choose')).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      route: ['retrain'],
      parameters: { acc: 0.3 },
    });
    expect(run.node('deploy')).toMatchObject(untaken('deploy'));
  });

  it('a retry that fails again halts again; a retried gateway takes no slot while all are in use', () => {
    const { run } = decided(
      routing(
        { type: 'exclusive', mode: 'only', branches: twoHold, default: 'report' },
        { extra: { parallelism: 1 }, more: { busy: work('train') } },
      ),
      true,
    );
    expect(run.node('choose').status).toBe('halted');
    expect(run.status('busy')).toBe('pending');
    control(run, { op: 'retryNode', key: 'choose' });
    expect(run.node('choose')).toMatchObject({ status: 'halted', attempt: 2 });
    const result = control(run, { op: 'retryNode', key: 'choose', parameters: { acc: 0.3 } });
    // The one slot is `busy`'s: the gateway decides anyway; its target waits for the slot.
    expect(run.node('choose')).toMatchObject({ status: 'succeeded', route: ['retrain'] });
    expect(dispatchedKeys(result.commands)).toEqual([]);
    expect(dispatchedKeys(run.finish('busy'))).toEqual(['retrain']);
  });

  it('ending debug mode fails the halted gateway and the run', () => {
    const run = halted();
    control(run, { op: 'endDebug' });
    expect(run.status('choose')).toBe('failed');
    expect(run.state.status).toBe('failed');
  });
});

describe('holds and dry runs', () => {
  it('a gateway paused before it starts decides once resumed', () => {
    const run = new Run(routing(exclusive(), { extra: { parallelism: 1 }, more: { busy: work('train') } }));
    run.start();
    expect(control(run, { op: 'pauseNode', key: 'choose' }).refused).toEqual({});
    run.finish('train');
    expect(run.node('choose').status).toBe('init');
    expect(run.status('busy')).toBe('pending');
    const resumed = control(run, { op: 'resumeNode', key: 'choose' });
    expect(run.node('choose')).toMatchObject({ status: 'succeeded', route: ['deploy'] });
    expect(dispatchedKeys(resumed.commands)).toEqual([]);
    expect(dispatchedKeys(run.finish('busy'))).toEqual(['deploy']);
  });

  it('a dry run routes as a real one does', () => {
    const run = Run.of(createRunState(routing(exclusive(), { acc: 0.3 }), { ...context(), mock: true }));
    expect(run.start()).toEqual([]);
    expect(run.state.status).toBe('succeeded');
    expect(run.node('choose')).toMatchObject({ status: 'succeeded', route: ['retrain'] });
    expect(run.node('choose').mocked).toBeUndefined();
    expect(run.node('retrain')).toMatchObject({ status: 'succeeded', mocked: true });
    expect(run.node('deploy')).toMatchObject(untaken('deploy'));
  });
});
