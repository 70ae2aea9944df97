/**
 * Floe's step extensions (step-kinds.ts, compile.ts `stepExtensions`): `retry`, `timeout`, `callback`,
 * `approval` and `gateway`. Each rule is checked both ways (kept: accepted; broken: refused with a message
 * naming the field and the component), and what is accepted is checked in its compiled form.
 */
import { describe, expect, it } from 'vitest';
import type { StepSpec } from '../../../shared/engine/spec/model.ts';
import { MAX_TIMEOUT_SECONDS } from '../../../shared/engine/spec/step-kinds.ts';
import { accept, base, type Doc, reject } from './support.ts';

const step = (fields: Doc = {}) => ({ command: 'echo', ...fields });
/** The compiled entry point `a` of a pipeline whose only step is `a` with `fields`. */
const compiled = (fields: Doc, command: Doc = { command: 'echo' }) =>
  accept(base({ a: { ...command, ...fields } })).entryPoints.a as StepSpec;
const waiting = (fields: Doc) => compiled(fields, {});
/** The whole refusal of `what` (`[key]` or `output artifacts`) on step `path`, `kind` (with its article). */
const runsNoCommand = (path: string, kind: string, what: string) =>
  new RegExp(
    `^step \\[${path}\\] is ${kind} step, which runs no command, so it cannot have ${what.replace(/[[\]]/g, '\\$&')}$`,
  );

describe('retry', () => {
  it('compiles with the defaults: interval 1 s, backoff 2, no longest wait', () => {
    expect(compiled({ retry: { max_attempts: 3 } }).retry).toEqual({
      maxAttempts: 3,
      intervalSeconds: 1,
      backoffRate: 2,
    });
  });

  it('compiles every field given', () => {
    expect(
      compiled({ retry: { max_attempts: 2, interval: 5, backoff: 1.5, max_interval: 30 } }).retry,
    ).toEqual({ maxAttempts: 2, intervalSeconds: 5, backoffRate: 1.5, maxIntervalSeconds: 30 });
  });

  it('accepts the bounds: 0 and 10 attempts, interval 0, backoff 1 and 10, max_interval = interval', () => {
    for (const retry of [
      { max_attempts: 0 },
      { max_attempts: 10 },
      { max_attempts: 1, interval: 0 },
      { max_attempts: 1, backoff: 1 },
      { max_attempts: 1, backoff: 10 },
      { max_attempts: 1, interval: 4, max_interval: 4 },
    ])
      expect(compiled({ retry }).retry?.maxAttempts).toBe(retry.max_attempts);
  });

  const refused: [Doc, RegExp][] = [
    [{ max_attempts: -1 }, /^\[max_attempts\] of retry of step \[a\] is -1; it should be 0 to 10$/],
    [{ max_attempts: 11 }, /^\[max_attempts\] of retry of step \[a\] is 11; it should be 0 to 10$/],
    [
      { max_attempts: 1.5 },
      /^\[retry\.max_attempts\] of step \[a\] should be an integer, not the number 1\.5$/,
    ],
    [{ interval: 1 }, /^\[retry\.max_attempts\] of step \[a\] is required$/],
    [
      { max_attempts: 1, interval: -1 },
      /^\[interval\] of retry of step \[a\] is -1; it should be 0 or more seconds$/,
    ],
    [{ max_attempts: 1, backoff: 0.5 }, /^\[backoff\] of retry of step \[a\] is 0\.5; it should be 1 to 10$/],
    [{ max_attempts: 1, backoff: 11 }, /^\[backoff\] of retry of step \[a\] is 11; it should be 1 to 10$/],
    [
      { max_attempts: 1, interval: 5, max_interval: 4 },
      /^\[max_interval\] of retry of step \[a\] is 4; it should be at least the interval$/,
    ],
    [{ max_attempts: 1, max_interval: -1 }, /^\[max_interval\] of retry of step \[a\] is -1/],
    [{ max_attempts: 1, jitter: true }, /^\[retry\] of step \[a\] has no attribute \[jitter\]$/],
  ];
  for (const [retry, message] of refused)
    it(`refuses ${JSON.stringify(retry)}`, () => reject(base({ a: step({ retry }) }), message));

  it('names a nested step by its path, and post_process by its section', () => {
    reject(
      base({ d: { entry_points: { b: step({ retry: { max_attempts: 11 } }) } } }),
      /^\[max_attempts\] of retry of step \[d\.b\] is 11/,
    );
    reject(
      base(undefined, { post_process: { tidy: step({ retry: { max_attempts: -2 } }) } }),
      /^\[max_attempts\] of retry of step \[tidy\] in post_process is -2/,
    );
  });
});

describe('timeout', () => {
  it('compiles to timeoutSeconds, from 1 s to a year', () => {
    expect(compiled({ timeout: 1 }).timeoutSeconds).toBe(1);
    expect(compiled({ timeout: MAX_TIMEOUT_SECONDS }).timeoutSeconds).toBe(MAX_TIMEOUT_SECONDS);
    expect(compiled({}).timeoutSeconds).toBeUndefined();
  });

  it('refuses 0, more than a year, and a fraction, naming the step', () => {
    reject(
      base({ a: step({ timeout: 0 }) }),
      /^\[timeout\] of step \[a\] is 0; it should be 1 to 31536000 seconds$/,
    );
    reject(
      base({ a: step({ timeout: MAX_TIMEOUT_SECONDS + 1 }) }),
      /^\[timeout\] of step \[a\] is 31536001; it should be 1 to 31536000 seconds$/,
    );
    reject(
      base({ a: step({ timeout: 1.5 }) }),
      /^\[timeout\] of step \[a\] should be an integer, not the number 1\.5$/,
    );
  });

  it('also bounds a callback step’s wait', () => {
    expect(waiting({ callback: true, timeout: 60 }).timeoutSeconds).toBe(60);
  });
});

describe('callback', () => {
  it('compiles `true` and `{message}` to a callback wait', () => {
    expect(waiting({ callback: true }).wait).toEqual({ kind: 'callback' });
    expect(waiting({ callback: { message: 'press go' } }).wait).toEqual({
      kind: 'callback',
      message: 'press go',
    });
    expect(waiting({ callback: {} }).wait).toEqual({ kind: 'callback' });
    expect(compiled({}).wait).toBeUndefined();
  });

  it('refuses another value, naming the field and the step', () => {
    reject(
      base({ a: { callback: false } }),
      /^\[callback\] of step \[a\] should be true or a map \{message\}, not the boolean false$/,
    );
    reject(
      base({ a: { callback: { text: 'x' } } }),
      /^\[callback\] of step \[a\] has no attribute \[text\]$/,
    );
  });

  it('refuses a callback step with a command, a retry or output artifacts', () => {
    reject(base({ a: { callback: true, command: 'echo' } }), runsNoCommand('a', 'a callback', '[command]'));
    reject(
      base({ a: { callback: true, retry: { max_attempts: 1 } } }),
      runsNoCommand('a', 'a callback', '[retry]'),
    );
    reject(
      base({ a: { callback: true, artifacts: { output: ['out'] } } }),
      runsNoCommand('a', 'a callback', 'output artifacts'),
    );
  });
});

describe('approval', () => {
  it('compiles approvers from a comma string or a list, trimmed, with the message', () => {
    expect(waiting({ approval: { approvers: 'alice, bob' } }).wait).toEqual({
      kind: 'approval',
      approvers: ['alice', 'bob'],
    });
    expect(waiting({ approval: { approvers: [' alice ', 'carol'], message: 'ship it?' } }).wait).toEqual({
      kind: 'approval',
      approvers: ['alice', 'carol'],
      message: 'ship it?',
    });
  });

  it('refuses no approvers: an empty string, blanks, an empty list; and a missing field', () => {
    for (const approvers of ['', ' , ', []])
      reject(
        base({ a: { approval: { approvers } } }),
        /^\[approvers\] of step \[a\] is empty; name the users who may approve$/,
      );
    reject(
      base({ a: { approval: {} } }),
      /^\[approval\.approvers\] of step \[a\] should be a comma-separated string or a list of user names, not nothing$/,
    );
    reject(
      base({ a: { approval: { approvers: 7 } } }),
      /^\[approval\.approvers\] of step \[a\] should be .*, not the integer 7$/,
    );
  });

  it('refuses an approval step with a command', () => {
    reject(
      base({ a: { approval: { approvers: 'alice' }, command: 'echo' } }),
      runsNoCommand('a', 'an approval', '[command]'),
    );
  });
});

describe('one kind at a time', () => {
  it('refuses a step that is two kinds, naming both', () => {
    reject(
      base({ a: { callback: true, approval: { approvers: 'alice' } } }),
      /^step \[a\] sets \[callback, approval\]; a step is one kind at a time$/,
    );
    reject(
      base({
        a: { callback: true, gateway: { type: 'parallel', branches: [{ target: 'b', condition: '1 > 0' }] } },
        b: step({ deps: 'a' }),
      }),
      /^step \[a\] sets \[callback, gateway\]; a step is one kind at a time$/,
    );
  });

  it('a command step may have retry and timeout together', () => {
    const a = compiled({ retry: { max_attempts: 1 }, timeout: 30 });
    expect(a).toMatchObject({ command: 'echo', timeoutSeconds: 30, retry: { maxAttempts: 1 } });
    expect(a.wait).toBeUndefined();
    expect(a.gateway).toBeUndefined();
  });
});

describe('gateway', () => {
  /** Gateway `g` (parameter `x`, input artifact `f`) → `b`, `c`, `d`; `e` does not wait for it. */
  const routed = (gateway: Doc, fields: Doc = {}, more: Doc = {}) =>
    base({
      src: { command: 'make', artifacts: { output: ['out'] } },
      g: {
        deps: 'src',
        parameters: { x: 1 },
        artifacts: { input: { f: '{{src.out}}' } },
        gateway,
        ...fields,
      },
      b: step({ deps: 'g' }),
      c: step({ deps: 'g' }),
      d: step({ deps: 'g' }),
      e: step(),
      ...more,
    });
  const branch = (target: string, condition = '{{x}} > 0') => ({ target, condition });

  it('compiles exclusive (mode first by default) and parallel gateways', () => {
    const exclusive = accept(
      routed({ type: 'exclusive', branches: [branch('b'), branch('c')], default: 'd' }),
    ).entryPoints.g as StepSpec;
    expect(exclusive.gateway).toEqual({
      type: 'exclusive',
      mode: 'first',
      branches: [
        { target: 'b', condition: '{{x}} > 0' },
        { target: 'c', condition: '{{x}} > 0' },
      ],
      default: 'd',
    });
    expect(exclusive.command).toBe('');
    const only = accept(routed({ type: 'exclusive', mode: 'only', branches: [branch('b')] })).entryPoints
      .g as StepSpec;
    expect(only.gateway).toEqual({ type: 'exclusive', mode: 'only', branches: [branch('b')] });
    const parallel = accept(
      routed({
        type: 'parallel',
        branches: [branch('b', "{{f}} == 'yes'"), branch('c', '{{PF_RUN_ID}} != x')],
      }),
    ).entryPoints.g as StepSpec;
    expect(parallel.gateway).toMatchObject({
      type: 'parallel',
      branches: [{ target: 'b' }, { target: 'c' }],
    });
  });

  it('is accepted inside a DAG, routing to its siblings there', () => {
    const spec = accept(
      base({
        box: {
          entry_points: {
            g: { gateway: { type: 'parallel', branches: [branch('b', '1 > 0')] } },
            b: step({ deps: 'g' }),
          },
        },
      }),
    );
    const box = spec.entryPoints.box;
    expect(box?.kind === 'dag' && (box.entryPoints.g as StepSpec).gateway?.type).toBe('parallel');
  });

  it('may have its own condition', () => {
    const g = accept(routed({ type: 'parallel', branches: [branch('b')] }, { condition: '{{x}} > 0' }))
      .entryPoints.g as StepSpec;
    expect(g.condition).toBe('{{x}} > 0');
  });

  const rules: [string, Doc, RegExp][] = [
    [
      'an unknown type',
      routed({ type: 'inclusive', branches: [branch('b')] }),
      /\[gateway\.type\] of step \[g\] should be one of \[exclusive, parallel\]/,
    ],
    [
      'a mode on a parallel gateway',
      routed({ type: 'parallel', mode: 'only', branches: [branch('b')] }),
      /^\[gateway\.mode\] of step \[g\] is for exclusive gateways; a parallel gateway takes every branch that holds$/,
    ],
    [
      'no branches',
      routed({ type: 'parallel', branches: [] }),
      /^\[gateway\.branches\] of step \[g\] is empty$/,
    ],
    [
      'a target that is not a sibling',
      routed({ type: 'parallel', branches: [branch('nowhere')] }),
      /^\[gateway\.branches\[0\]\.target\] of step \[g\] is \[nowhere\], which is not a sibling of step \[g\]$/,
    ],
    [
      'the gateway itself as a target',
      routed({ type: 'parallel', branches: [branch('b'), branch('g')] }),
      /^\[gateway\.branches\[1\]\.target\] of step \[g\] is \[g\], which is not a sibling of step \[g\]$/,
    ],
    [
      'a target that does not wait for the gateway',
      routed({ type: 'parallel', branches: [branch('e')] }),
      /^\[gateway\.branches\[0\]\.target\] of step \[g\] is \[e\], which must list \[g\] in its deps$/,
    ],
    [
      'a target named twice',
      routed({ type: 'parallel', branches: [branch('b'), branch('b')] }),
      /^\[gateway\.branches\[1\]\.target\] of step \[g\] is \[b\] again; each branch has its own target$/,
    ],
    [
      'a condition naming another component',
      routed({ type: 'parallel', branches: [branch('b', '{{src.out}} > 0')] }),
      /^\[gateway\.branches\[0\]\.condition\] \[\{\{src\.out\}\} > 0\] of step \[g\] uses \{\{src\.out\}\}; a condition may only use/,
    ],
    [
      'a condition naming nothing the gateway has',
      routed({ type: 'parallel', branches: [branch('b', '{{y}} > 0')] }),
      /^\[gateway\.branches\[0\]\.condition\] \[\{\{y\}\} > 0\] of step \[g\] uses \{\{y\}\}, which is not a parameter, input artifact or system variable of it$/,
    ],
    [
      'a condition that is not an expression',
      routed({ type: 'parallel', branches: [branch('b', '{{x}} >')] }),
      /^\[gateway\.branches\[0\]\.condition\] \[\{\{x\}\} >\] of step \[g\] is not a valid expression/,
    ],
    [
      'a default that is not a sibling',
      routed({ type: 'exclusive', branches: [branch('b')], default: 'nowhere' }),
      /^\[gateway\.default\] of step \[g\] is \[nowhere\], which is not a sibling of step \[g\]$/,
    ],
    [
      'a default that does not wait for the gateway',
      routed({ type: 'exclusive', branches: [branch('b')], default: 'e' }),
      /^\[gateway\.default\] of step \[g\] is \[e\], which must list \[g\] in its deps$/,
    ],
    [
      'a default that is also a branch target',
      routed({ type: 'exclusive', branches: [branch('b')], default: 'b' }),
      /^\[gateway\.default\] of step \[g\] is \[b\], which is already a branch target; the default is taken when none is$/,
    ],
    [
      'an unknown key',
      routed({ type: 'parallel', branches: [branch('b')], fallback: 'c' }),
      /^\[gateway\] of step \[g\] has no attribute \[fallback\]$/,
    ],
    [
      'output artifacts',
      routed({ type: 'parallel', branches: [branch('b')] }, { artifacts: { output: ['o'] } }),
      runsNoCommand('g', 'a gateway', 'output artifacts'),
    ],
    [
      'a gateway in post_process',
      base(
        { a: step() },
        { post_process: { g: { gateway: { type: 'parallel', branches: [branch('a', '1 > 0')] } } } },
      ),
      /^step \[g\] in post_process is a gateway; gateways route to their siblings, so they belong in entry_points$/,
    ],
  ];
  for (const [rule, doc, message] of rules) it(`refuses ${rule}`, () => reject(doc, message));

  for (const [key, value] of [
    ['command', 'echo'],
    ['rollback', 'echo undo'],
    ['retry', { max_attempts: 1 }],
    ['timeout', 5],
    ['loop_argument', [1, 2]],
  ] as const)
    it(`refuses [${key}] on a gateway`, () =>
      reject(
        routed({ type: 'parallel', branches: [branch('b')] }, { [key]: value }),
        runsNoCommand('g', 'a gateway', `[${key}]`),
      ));
});

describe('lambda', () => {
  it('compiles a function, a module or both, with no command', () => {
    expect(waiting({ lambda: { function: 'arn:aws:lambda:eu-west-1:1:function:f' } })).toMatchObject({
      command: '',
      lambda: { function: 'arn:aws:lambda:eu-west-1:1:function:f' },
    });
    expect(waiting({ lambda: { module: './f.mjs' }, retry: { max_attempts: 1 }, timeout: 9 })).toMatchObject({
      lambda: { module: './f.mjs' },
      retry: { maxAttempts: 1 },
      timeoutSeconds: 9,
    });
    expect(waiting({ lambda: { function: 'f', module: 'f.mjs' } }).lambda).toEqual({
      function: 'f',
      module: 'f.mjs',
    });
  });

  it('refuses neither a function nor a module, naming the step and the fields', () => {
    for (const lambda of [{}, { function: '' }, { module: '', function: '' }])
      reject(
        base({ a: { lambda } }),
        /^\[lambda\] of step \[a\] sets neither \[function\] nor \[module\]; AWS invokes lambda\.function/,
      );
    reject(
      base({ a: { lambda: { handler: 'x' } } }),
      /^\[lambda\] of step \[a\] has no attribute \[handler\]$/,
    );
  });

  for (const [key, value] of [
    ['command', 'echo'],
    ['docker_env', 'img'],
    ['env', { A: '1' }],
  ] as const)
    it(`refuses [${key}] on a lambda step`, () =>
      reject(
        base({ a: { lambda: { module: 'f.mjs' }, [key]: value } }),
        runsNoCommand('a', 'a lambda', `[${key}]`),
      ));

  it('refuses output artifacts and an enabled cache, but takes the pipeline cache without using it', () => {
    reject(
      base({ a: { lambda: { module: 'f.mjs' }, artifacts: { output: ['o'] } } }),
      runsNoCommand('a', 'a lambda', 'output artifacts'),
    );
    reject(
      base({ a: { lambda: { module: 'f.mjs' }, cache: { enable: true } } }),
      /^step \[a\] is a lambda step, which writes no files to cache, so it cannot enable \[cache\]$/,
    );
    expect(() =>
      accept(base({ a: { lambda: { module: 'f.mjs' } } }, { cache: { enable: true } })),
    ).not.toThrow();
  });

  it('is one kind at a time', () => {
    reject(
      base({ a: { lambda: { module: 'f.mjs' }, http: { url: 'https://x.test' } } }),
      /^step \[a\] sets \[lambda, http\]; a step is one kind at a time$/,
    );
  });
});

describe('http', () => {
  it('compiles the request: GET and no headers by default, a string or a map body as given', () => {
    expect(waiting({ http: { url: 'https://x.test/{{PF_RUN_ID}}' } }).http).toEqual({
      method: 'GET',
      url: 'https://x.test/{{PF_RUN_ID}}',
      headers: {},
    });
    const body = { id: '{{n}}', tags: ['a'] };
    expect(
      waiting({
        parameters: { n: 1 },
        http: { method: 'PATCH', url: 'http://x.test', headers: { 'x-n': '{{n}}' }, body },
      }).http,
    ).toEqual({ method: 'PATCH', url: 'http://x.test', headers: { 'x-n': '{{n}}' }, body });
    expect(waiting({ http: { method: 'POST', url: 'https://x.test', body: 'a=1' } }).http?.body).toBe('a=1');
  });

  const refused: [Doc, RegExp][] = [
    [{ url: 'https://x.test', method: 'FETCH' }, /^\[http\.method\] of step \[a\] /],
    [{}, /^\[http\.url\] of step \[a\] is required$/],
    [{ url: ' ' }, /^\[http\.url\] of step \[a\] is empty$/],
    [{ url: 'https://x.test', headers: { a: 1 } }, /^\[http\.headers\.a\] of step \[a\] /],
    [
      { url: 'https://x.test', body: 3, method: 'POST' },
      /^\[http\.body\] of step \[a\] should be a string or a map/,
    ],
    [
      { url: 'https://x.test', body: 'x' },
      /^\[http\.body\] of step \[a\] is set, but a GET request sends no body; use POST, PUT or PATCH$/,
    ],
    [
      { url: 'https://x.test/{{nope}}' },
      /^\[http\.url\] of step \[a\] uses \{\{nope\}\}, which is not defined here: a request may use/,
    ],
    [
      { url: 'https://x.test', headers: { h: '{{up.p}}' } },
      /^header \[h\] of step \[a\] uses \{\{up\.p\}\}: only parameters may use an upstream component's parameters/,
    ],
    [
      { url: 'https://x.test', method: 'POST', body: { deep: ['{{PF_JOB_ID}}'] } },
      /^\[http\.body\] of step \[a\] uses \{\{PF_JOB_ID\}\}, which is not defined here.*old API/,
    ],
  ];
  for (const [http, message] of refused)
    it(`refuses ${JSON.stringify(http)}`, () => reject(base({ a: { http } }), message));

  for (const [key, value] of [
    ['command', 'echo'],
    ['env', { A: '1' }],
    ['extra_fs', [{ name: 'models' }]],
  ] as const)
    it(`refuses [${key}] on an http step`, () =>
      reject(
        base({ a: { http: { url: 'https://x.test' }, [key]: value } }),
        runsNoCommand('a', 'an http', `[${key}]`),
      ));

  it('may read its parameters, input artifacts and system variables, and be looped', () => {
    const spec = accept(
      base({
        up: { command: 'echo', artifacts: { output: ['data'] } },
        a: {
          deps: 'up',
          loop_argument: [1, 2],
          parameters: { p: 1 },
          artifacts: { input: { data: '{{up.data}}' } },
          http: { url: 'https://x.test/{{p}}/{{PF_LOOP_ARGUMENT}}?f={{data}}' },
        },
      }),
    );
    expect((spec.entryPoints.a as StepSpec).http?.url).toBe(
      'https://x.test/{{p}}/{{PF_LOOP_ARGUMENT}}?f={{data}}',
    );
  });
});
