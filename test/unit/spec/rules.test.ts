/**
 * Every rule of reference/paddleflow.md §3.4 (and the structural rules of §3.1–3.3): for each, a document that
 * keeps it is accepted and one that breaks it is refused with a message naming the component and the rule.
 */
import { describe, expect, it } from 'vitest';
import { accept, base, type Doc, reject } from './support.ts';

interface Rule {
  rule: string;
  valid: Doc;
  invalid: Doc;
  message: RegExp;
}

const step = (fields: Doc = {}) => ({ command: 'echo', ...fields });
const producer = { command: 'make {{out}}', artifacts: { output: ['out'] }, parameters: { p: 1 } };

const rules: Rule[] = [
  // ── structure (§3.1–3.3) ───────────────────────────────────────────────────────────────────────────
  {
    rule: 'unknown workflow keys are errors',
    valid: base(),
    invalid: { ...base(), entry_point: {} },
    message: /^workflow has no attribute \[entry_point\]$/,
  },
  {
    rule: 'unknown step keys are errors, naming the step',
    valid: base({ a: step() }),
    invalid: base({ a: { comand: 'echo' } }),
    message: /^step \[a\] has no attribute \[comand\]$/,
  },
  {
    rule: 'unknown dag keys are errors, naming the dag',
    valid: base({ d: { entry_points: { a: step() } } }),
    invalid: base({ d: { command: 'x', entry_points: { a: step() } } }),
    message: /^dag \[d\] has no attribute \[command\]$/,
  },
  {
    rule: 'field types are checked',
    valid: base({ a: step({ deps: '' }) }),
    invalid: base({ a: step({ command: 42 }) }),
    message: /^\[command\] of step \[a\] should be a string, not the integer 42$/,
  },
  {
    rule: 'type must agree with the presence of entry_points (case-insensitive)',
    valid: base({ a: step({ type: 'STEP' }), d: { type: 'dag', entry_points: { b: step() } } }),
    invalid: base({ a: step({ type: 'dag' }) }),
    message: /step \[a\] has type \[dag\].*dag exactly when it has entry_points/,
  },
  {
    rule: 'entry_points is required',
    valid: base(),
    invalid: { name: 'demo' },
    message: /^\[entry_points\] of workflow is required$/,
  },
  // ── names ──────────────────────────────────────────────────────────────────────────────────────────
  {
    rule: 'pipeline name pattern',
    valid: { ...base(), name: '_demo-2' },
    invalid: { ...base(), name: '2demo' },
    message: /^pipeline name \[2demo\] is invalid: it must match/,
  },
  {
    rule: 'component name pattern (letters, digits, -)',
    valid: base({ 'step-1': step() }),
    invalid: base({ step_1: step() }),
    message: /^component name \[step_1\] is invalid/,
  },
  {
    rule: 'component names are at most 30 characters',
    valid: base({ [`a${'b'.repeat(29)}`]: step() }),
    invalid: base({ [`a${'b'.repeat(30)}`]: step() }),
    message: /component name \[ab+\] is invalid/,
  },
  {
    rule: 'nested component names are checked with their path',
    valid: base({ d: { entry_points: { inner: step() } } }),
    invalid: base({ d: { entry_points: { 'in.ner': step() } } }),
    message: /^component name \[d\.in\.ner\] is invalid/,
  },
  {
    rule: 'parameter name pattern',
    valid: base({ a: step({ parameters: { _lr2: 1 } }) }),
    invalid: base({ a: step({ parameters: { '2lr': 1 } }) }),
    message: /^parameter name \[2lr\] of step \[a\] is invalid/,
  },
  {
    rule: 'env name pattern',
    valid: base({ a: step({ env: { MY_VAR: 'x' } }) }),
    invalid: base({ a: step({ env: { 'MY-VAR': 'x' } }) }),
    message: /^env name \[MY-VAR\] of step \[a\] is invalid/,
  },
  {
    rule: 'artifact name pattern',
    valid: base({ a: step({ artifacts: { output: ['model_1'] } }) }),
    invalid: base({ a: step({ artifacts: { output: ['model-1'] } }) }),
    message: /^output artifact name \[model-1\] of step \[a\] is invalid/,
  },
  {
    rule: 'parameter and artifact names are unique regardless of case',
    valid: base({ a: step({ parameters: { model: 1 }, artifacts: { output: ['weights'] } }) }),
    invalid: base({ a: step({ parameters: { model: 1 }, artifacts: { output: ['MODEL'] } }) }),
    message: /^output artifact \[MODEL\] of step \[a\] clashes with parameter \[model\]/,
  },
  // ── deps ───────────────────────────────────────────────────────────────────────────────────────────
  {
    rule: 'deps name siblings',
    valid: base({ a: step(), b: step({ deps: 'a' }) }),
    invalid: base({ a: step(), b: step({ deps: 'a,c' }) }),
    message: /^step \[b\] depends on \[c\], which is not one of its siblings/,
  },
  {
    rule: 'deps do not reach into another DAG',
    valid: base({ d: { entry_points: { x: step(), y: step({ deps: 'x' }) } } }),
    invalid: base({ a: step(), d: { entry_points: { y: step({ deps: 'a' }) } } }),
    message: /^step \[d\.y\] depends on \[a\], which is not one of its siblings/,
  },
  {
    rule: 'no cycles among siblings',
    valid: base({ a: step(), b: step({ deps: 'a' }), c: step({ deps: 'a, b' }) }),
    invalid: base({ a: step({ deps: 'c' }), b: step({ deps: 'a' }), c: step({ deps: 'b' }) }),
    message: /^components \[a, b, c\] depend on each other in a cycle$/,
  },
  {
    rule: 'no cycles inside a DAG either',
    valid: base({ d: { entry_points: { x: step(), y: step({ deps: 'x' }) } } }),
    invalid: base({ d: { entry_points: { x: step({ deps: 'x' }) } } }),
    message: /^components \[d\.x\] depend on each other in a cycle$/,
  },
  // ── artifacts ──────────────────────────────────────────────────────────────────────────────────────
  {
    rule: 'output artifacts need a main fs',
    valid: base({ a: producer }),
    invalid: { name: 'demo', entry_points: { a: producer } },
    message: /^cannot define artifact in component\[a\] with no Fs mounted/,
  },
  {
    rule: 'an input artifact is exactly {{upstream.output}}',
    valid: base({ a: producer, b: step({ deps: 'a', artifacts: { input: { in: '{{ a.out }}' } } }) }),
    invalid: base({ a: producer, b: step({ deps: 'a', artifacts: { input: { in: 'data/{{a.out}}' } } }) }),
    message: /^input artifact \[in\] of step \[b\] is \[data\/\{\{a\.out\}\}\]; it must be exactly/,
  },
  {
    rule: 'an input artifact comes from a dep',
    valid: base({ a: producer, b: step({ deps: 'a', artifacts: { input: { in: '{{a.out}}' } } }) }),
    invalid: base({ a: producer, b: step({ artifacts: { input: { in: '{{a.out}}' } } }) }),
    message:
      /^input artifact \[in\] of step \[b\] uses \{\{a\.out\}\}, but \[a\] is not in the deps of step \[b\]$/,
  },
  {
    rule: 'an input artifact names an output the upstream has',
    valid: base({ a: producer, b: step({ deps: 'a', artifacts: { input: { in: '{{a.out}}' } } }) }),
    invalid: base({ a: producer, b: step({ deps: 'a', artifacts: { input: { in: '{{a.model}}' } } }) }),
    message: /uses \{\{a\.model\}\}, but \[a\] has no output artifact \[model\]$/,
  },
  {
    rule: 'an upstream with a condition cannot feed artifacts',
    valid: base({ a: producer, b: step({ deps: 'a', artifacts: { input: { in: '{{a.out}}' } } }) }),
    invalid: base({
      a: { ...producer, condition: '{{p}} > 0' },
      b: step({ deps: 'a', artifacts: { input: { in: '{{a.out}}' } } }),
    }),
    message: /but \[a\] has a condition, so its outputs may not exist$/,
  },
  {
    rule: '{{PF_PARENT.input}} names an input artifact of the parent dag',
    valid: base({
      a: producer,
      d: {
        deps: 'a',
        artifacts: { input: { src: '{{a.out}}' } },
        entry_points: { x: step({ artifacts: { input: { in: '{{PF_PARENT.src}}' } } }) },
      },
    }),
    invalid: base({
      a: producer,
      d: {
        deps: 'a',
        artifacts: { input: { src: '{{a.out}}' } },
        entry_points: { x: step({ artifacts: { input: { in: '{{PF_PARENT.nope}}' } } }) },
      },
    }),
    message: /uses \{\{PF_PARENT\.nope\}\}, but its parent dag \[d\] has no input artifact \[nope\]$/,
  },
  {
    rule: "a dag's output artifact is exactly {{child.output}}",
    valid: base({ d: { artifacts: { output: { res: '{{x.out}}' } }, entry_points: { x: producer } } }),
    invalid: base({ d: { artifacts: { output: { res: '{{y.out}}' } }, entry_points: { x: producer } } }),
    message: /^output artifact \[res\] of dag \[d\] uses \{\{y\.out\}\}, but the dag has no child \[y\]$/,
  },
  // ── templates in parameters, env, command ─────────────────────────────────────────────────────────
  {
    rule: 'a parameter may use system variables',
    valid: base({ a: step({ parameters: { run: 'id-{{PF_RUN_ID}}-{{ PF_STEP_NAME }}' } }) }),
    invalid: base({ a: step({ parameters: { run: 'id-{{RUN_ID}}' } }) }),
    message: /^parameter \[run\] of step \[a\] uses \{\{RUN_ID\}\}, which is not defined here/,
  },
  {
    rule: "the old API's system variables are named as retired",
    valid: base({ a: step({ parameters: { user: '{{PF_USER_NAME}}' } }) }),
    invalid: base({ a: step({ parameters: { fs: '{{PF_FS_ID}}' } }) }),
    message: /\{\{PF_FS_ID\}\} belonged to PaddleFlow's old API/,
  },
  {
    rule: "a parameter may use a dep's parameter",
    valid: base({ a: producer, b: step({ deps: 'a', parameters: { q: '{{a.p}}' } }) }),
    invalid: base({ a: producer, b: step({ parameters: { q: '{{a.p}}' } }) }),
    message: /^parameter \[q\] of step \[b\] uses \{\{a\.p\}\}, but \[a\] is not in the deps of step \[b\]$/,
  },
  {
    rule: "a dep's parameter must exist",
    valid: base({ a: producer, b: step({ deps: 'a', parameters: { q: '{{a.p}}' } }) }),
    invalid: base({ a: producer, b: step({ deps: 'a', parameters: { q: '{{a.missing}}' } }) }),
    message: /uses \{\{a\.missing\}\}, but \[a\] has no parameter \[missing\]$/,
  },
  {
    rule: '{{PF_PARENT.x}} only inside a dag, naming a parameter it has',
    valid: base({
      d: { parameters: { lr: 0.1 }, entry_points: { x: step({ parameters: { lr: '{{PF_PARENT.lr}}' } }) } },
    }),
    invalid: base({ a: step({ parameters: { lr: '{{PF_PARENT.lr}}' } }) }),
    message:
      /^parameter \[lr\] of step \[a\] uses \{\{PF_PARENT\.lr\}\}, but step \[a\] is not inside a dag$/,
  },
  {
    rule: 'env may use own parameters and system variables only',
    valid: base({ a: step({ parameters: { lr: 1 }, env: { LR: '{{lr}}', RUN: '{{PF_RUN_ID}}' } }) }),
    invalid: base({ a: producer, b: step({ deps: 'a', env: { P: '{{a.p}}' } }) }),
    message:
      /^env \[P\] of step \[b\] uses \{\{a\.p\}\}: only parameters may use an upstream component's parameters/,
  },
  {
    rule: 'env may not use an unknown name',
    valid: base({ a: step({ parameters: { lr: 1 }, env: { LR: '{{lr}}' } }) }),
    invalid: base({ a: step({ env: { LR: '{{lr}}' } }) }),
    message: /^env \[LR\] of step \[a\] uses \{\{lr\}\}, which is not defined here: env may use/,
  },
  {
    rule: 'a command may use own parameters and artifacts',
    valid: base({
      a: producer,
      b: step({
        deps: 'a',
        command: 'cp {{in}} {{res}} {{n}}',
        parameters: { n: 1 },
        artifacts: { input: { in: '{{a.out}}' }, output: ['res'] },
      }),
    }),
    invalid: base({ a: step({ command: 'run {{model}}' }) }),
    message: /^command of step \[a\] uses \{\{model\}\}, which is not defined here: a command may use/,
  },
  // ── condition ──────────────────────────────────────────────────────────────────────────────────────
  {
    rule: 'a condition uses own parameters, input artifacts and system variables',
    valid: base({ a: step({ parameters: { n: 1 }, condition: "{{n}} > 0 && {{PF_RUN_ID}} != 'x'" }) }),
    invalid: base({ a: step({ condition: '{{n}} > 0' }) }),
    message: /^condition \[\{\{n\}\} > 0\] of step \[a\] uses \{\{n\}\}, which is not a parameter/,
  },
  {
    rule: 'a condition is a valid expression',
    valid: base({ a: step({ parameters: { n: 1 }, condition: '({{n}} + 1) * 2 >= 4 || !true' }) }),
    invalid: base({ a: step({ parameters: { n: 1 }, condition: '{{n}} >' }) }),
    message: /^condition \[\{\{n\}\} >\] of step \[a\] is not a valid expression: expression ends early$/,
  },
  // ── loop_argument ──────────────────────────────────────────────────────────────────────────────────
  {
    rule: 'loop_argument as a literal list',
    valid: base({ a: step({ loop_argument: [1, 'two', [3, 4]] }) }),
    invalid: base({ a: step({ loop_argument: [1, '{{PF_RUN_ID}}'] }) }),
    message:
      /^loop_argument of step \[a\] is a list with the template \[\{\{PF_RUN_ID\}\}\]; templates are not allowed/,
  },
  {
    rule: 'loop_argument as a JSON list string',
    valid: base({ a: step({ loop_argument: '[1, 2, 3]' }) }),
    invalid: base({ a: step({ loop_argument: '1, 2, 3' }) }),
    message: /^loop_argument of step \[a\] \[1, 2, 3\] is neither a \{\{template\}\} nor a JSON list$/,
  },
  {
    rule: 'loop_argument as one template of an own parameter or input artifact',
    valid: base({ a: step({ parameters: { items: '[1,2]' }, loop_argument: '{{ items }}' }) }),
    invalid: base({ a: step({ loop_argument: '{{items}}' }) }),
    message:
      /^loop_argument of step \[a\] uses \{\{items\}\}, which is not a parameter or input artifact of it$/,
  },
  {
    rule: "a loop_argument uses the component's own values, not an upstream's",
    valid: base({
      a: producer,
      b: step({ deps: 'a', artifacts: { input: { items: '{{a.out}}' } }, loop_argument: '{{items}}' }),
    }),
    invalid: base({ a: producer, b: step({ deps: 'a', loop_argument: '{{a.p}}' }) }),
    message:
      /^loop_argument of step \[b\] uses \{\{a\.p\}\}; a loop_argument may only use one of this component's own parameters or input artifacts/,
  },
  {
    rule: "a step's output artifacts are names (the map form has empty values)",
    valid: base({ a: step({ artifacts: { output: { model: '' } } }) }),
    invalid: base({ a: step({ artifacts: { output: { model: '/tmp/model' } } }) }),
    message:
      /^output artifact \[model\] of step \[a\] is given the value \[\/tmp\/model\]; output paths are generated/,
  },
  {
    rule: 'a loop_argument template stands alone',
    valid: base({ a: step({ parameters: { items: '[1,2]' }, loop_argument: '{{items}}' }) }),
    invalid: base({ a: step({ parameters: { items: '[1,2]' }, loop_argument: 'x{{items}}' }) }),
    message: /mixes a template with other text/,
  },
  // ── parameters ─────────────────────────────────────────────────────────────────────────────────────
  {
    rule: 'parameter values are numbers, strings, lists or typed params',
    valid: base({ a: step({ parameters: { n: 1, s: 'x', l: [1, 'a'], t: { type: 'int', default: 3 } } }) }),
    invalid: base({ a: step({ parameters: { flag: true } }) }),
    message:
      /^\[parameters\.flag\] of step \[a\] should be a number, a string, a list, or a typed param \{type, default\}, not the boolean true$/,
  },
  {
    rule: 'a typed param has a known type',
    valid: base({ a: step({ parameters: { p: { type: 'path', default: './data/x' } } }) }),
    invalid: base({ a: step({ parameters: { p: { type: 'bool', default: true } } }) }),
    message: /^\[parameters\.p\] of step \[a\] should be/,
  },
  {
    rule: 'a typed param needs a default',
    valid: base({ a: step({ parameters: { p: { type: 'string', default: 'x' } } }) }),
    invalid: base({ a: step({ parameters: { p: { type: 'string' } } }) }),
    message: /^parameter \[p\] of step \[a\] is a string param with no default/,
  },
  {
    rule: "a typed param's default fits its type",
    valid: base({
      a: step({ parameters: { p: { type: 'float', default: 2 }, l: { type: 'list', default: [1, 2] } } }),
    }),
    invalid: base({ a: step({ parameters: { p: { type: 'int', default: 1.5 } } }) }),
    message:
      /^parameter \[p\] of step \[a\] is a int param, so its value must be an integer, not number 1\.5$/,
  },
  {
    rule: 'a path param is a path',
    valid: base({ a: step({ parameters: { p: { type: 'path', default: 'a/b_c-d.txt' } } }) }),
    invalid: base({ a: step({ parameters: { p: { type: 'path', default: 'a b' } } }) }),
    message: /^parameter \[p\] of step \[a\] is a path param, and \[a b\] is not a path/,
  },
  // ── components and reference ───────────────────────────────────────────────────────────────────────
  {
    rule: 'reference names a component',
    valid: base({ a: { reference: { component: 't' } } }, { components: { t: step() } }),
    invalid: base({ a: { reference: { component: 'u' } } }, { components: { t: step() } }),
    message: /^step \[a\] refers to \[u\], which is not in components$/,
  },
  {
    rule: 'references may chain but not cycle',
    valid: base(
      { a: { reference: { component: 't' } } },
      { components: { t: { reference: { component: 'u' } }, u: step() } },
    ),
    invalid: base(
      { a: { reference: { component: 't' } } },
      { components: { t: { reference: { component: 'u' } }, u: { reference: { component: 't' } } } },
    ),
    message: /^components refer to each other in a cycle: t → u → t$/,
  },
  {
    rule: 'a template dag may not contain a reference to itself',
    valid: base(
      { a: { reference: { component: 'd' } } },
      { components: { d: { entry_points: { x: step() } } } },
    ),
    invalid: base(
      { a: { reference: { component: 'd' } } },
      { components: { d: { entry_points: { x: { reference: { component: 'd' } } } } } },
    ),
    message: /^components refer to each other in a cycle: d → d$/,
  },
  {
    rule: 'top-level components have no deps',
    valid: base(
      { a: step() },
      { components: { t: step(), u: { entry_points: { x: step(), y: step({ deps: 'x' }) } } } },
    ),
    invalid: base({ a: step() }, { components: { t: step(), u: step({ deps: 't' }) } }),
    message: /^step \[u\] in components has deps, but top-level components cannot/,
  },
  {
    rule: 'a reference step sets only deps, parameters, input artifacts and reference',
    valid: base(
      { a: { reference: { component: 't' }, parameters: { n: 2 } } },
      { components: { t: step({ parameters: { n: 1 } }) } },
    ),
    invalid: base({ a: { reference: { component: 't' }, command: 'echo' } }, { components: { t: step() } }),
    message:
      /^step \[a\] uses reference, so it may only set deps, parameters, artifacts\.input and reference, not \[command\]$/,
  },
  {
    rule: "a reference step's parameters exist in its template",
    valid: base(
      { a: { reference: { component: 't' }, parameters: { n: 2 } } },
      { components: { t: step({ parameters: { n: 1 } }) } },
    ),
    invalid: base(
      { a: { reference: { component: 't' }, parameters: { m: 2 } } },
      { components: { t: step({ parameters: { n: 1 } }) } },
    ),
    message: /^step \[a\] sets parameter \[m\], which its component \[t\] does not have$/,
  },
  {
    rule: "a reference step's parameters fit the template's types",
    valid: base(
      { a: { reference: { component: 't' }, parameters: { n: 2 } } },
      { components: { t: step({ parameters: { n: { type: 'int', default: 1 } } }) } },
    ),
    invalid: base(
      { a: { reference: { component: 't' }, parameters: { n: 'two' } } },
      { components: { t: step({ parameters: { n: { type: 'int', default: 1 } } }) } },
    ),
    message: /^parameter \[n\] of step \[a\] is a int param, so its value must be an integer/,
  },
  {
    rule: 'a reference step gives exactly the input artifacts of its template',
    valid: base(
      {
        a: producer,
        b: { deps: 'a', reference: { component: 't' }, artifacts: { input: { in: '{{a.out}}' } } },
      },
      { components: { t: step({ artifacts: { input: { in: '' } } }) } },
    ),
    invalid: base(
      { a: producer, b: { deps: 'a', reference: { component: 't' } } },
      { components: { t: step({ artifacts: { input: { in: '' } } }) } },
    ),
    message: /^step \[b\] must give exactly the input artifacts of its component \[t\]: \[in\], not \[\]$/,
  },
  // ── post_process ───────────────────────────────────────────────────────────────────────────────────
  {
    rule: 'post_process has at most one step',
    valid: base({ a: step() }, { post_process: { p: step() } }),
    invalid: base({ a: step() }, { post_process: { p: step(), q: step() } }),
    message: /^post_process has 2 steps \[p, q\]; it may have one$/,
  },
  {
    rule: 'post_process names differ from entry points',
    valid: base({ a: step() }, { post_process: { p: step() } }),
    invalid: base({ a: step() }, { post_process: { a: step() } }),
    message: /^step \[a\] in post_process has the name of a component in entry_points/,
  },
  {
    rule: 'post_process has no deps',
    valid: base({ a: step() }, { post_process: { p: step() } }),
    invalid: base({ a: step() }, { post_process: { p: step({ deps: 'a' }) } }),
    message: /^step \[p\] in post_process has deps, which a post_process step cannot have$/,
  },
  {
    rule: 'post_process does not enable the cache',
    valid: base({ a: step() }, { post_process: { p: step({ cache: { enable: false } }) } }),
    invalid: base({ a: step() }, { post_process: { p: step({ cache: { enable: true } }) } }),
    message: /has cache enabled, which a post_process step cannot have$/,
  },
  {
    rule: 'post_process has no condition or loop',
    valid: base({ a: step() }, { post_process: { p: step() } }),
    invalid: base({ a: step() }, { post_process: { p: step({ loop_argument: [1] }) } }),
    message: /has a loop_argument, which a post_process step cannot have$/,
  },
  {
    rule: "post_process does not use entry points' values",
    valid: base({ a: producer }, { post_process: { p: step({ command: 'echo {{PF_RUN_ID}}' }) } }),
    invalid: base({ a: producer }, { post_process: { p: step({ parameters: { q: '{{a.p}}' } }) } }),
    message:
      /^step \[p\] in post_process uses \{\{a\.p\}\}; a post_process step cannot use other components' values$/,
  },
  {
    rule: 'post_process is a step, also through a reference',
    valid: base(
      { a: step() },
      { post_process: { p: { reference: { component: 't' } } }, components: { t: step() } },
    ),
    invalid: base(
      { a: step() },
      {
        post_process: { p: { reference: { component: 'd' } } },
        components: { d: { entry_points: { x: step() } } },
      },
    ),
    message: /^step \[p\] in post_process refers to a dag; post_process must be a step$/,
  },
  // ── disabled ───────────────────────────────────────────────────────────────────────────────────────
  {
    rule: 'disabled names existing components (dotted for DAG children)',
    valid: base({ a: step(), d: { entry_points: { x: step() } } }, { disabled: 'a, d.x' }),
    invalid: base({ a: step() }, { disabled: 'b' }),
    message: /^disabled component \[b\] does not exist in entry_points or post_process$/,
  },
  {
    rule: 'disabled names each component once',
    valid: base({ a: step() }, { disabled: 'a' }),
    invalid: base({ a: step() }, { disabled: 'a,a' }),
    message: /^disabled names component \[a\] twice$/,
  },
  {
    rule: 'a disabled component does not feed one that runs',
    valid: base({ a: producer, b: step({ deps: 'a', parameters: { q: '{{a.p}}' } }) }, { disabled: 'a,b' }),
    invalid: base({ a: producer, b: step({ deps: 'a', parameters: { q: '{{a.p}}' } }) }, { disabled: 'a' }),
    message: /^disabled component \[a\] is used by \[b\], which still runs/,
  },
  {
    rule: "a disabled child does not feed its running dag's outputs",
    valid: base(
      { d: { artifacts: { output: { r: '{{x.out}}' } }, entry_points: { x: producer } } },
      { disabled: 'd' },
    ),
    invalid: base(
      { d: { artifacts: { output: { r: '{{x.out}}' } }, entry_points: { x: producer } } },
      { disabled: 'd.x' },
    ),
    message: /^disabled component \[d\.x\] feeds the output artifacts of its dag \[d\], which still runs$/,
  },
  // ── cache, failure options, parallelism, fs ────────────────────────────────────────────────────────
  {
    rule: 'cache.max_expired_time is an integer',
    valid: base({ a: step({ cache: { max_expired_time: '600' } }) }, { cache: { max_expired_time: -1 } }),
    invalid: base({ a: step({ cache: { max_expired_time: '10m' } }) }),
    message: /^cache\.max_expired_time \[10m\] of step \[a\] is not an integer number of seconds/,
  },
  {
    rule: 'cache.fs_scope names a mounted fs',
    valid: base({
      a: step({ extra_fs: [{ name: 'models' }], cache: { fs_scope: [{ name: 'models', path: '/m' }] } }),
    }),
    invalid: base({ a: step({ cache: { fs_scope: [{ name: 'models' }] } }) }),
    message: /^cache\.fs_scope of step \[a\] names fs \[models\], which it does not mount/,
  },
  {
    rule: 'failure_options.strategy is fail_fast or continue',
    valid: base({ a: step() }, { failure_options: { strategy: 'continue' } }),
    invalid: base({ a: step() }, { failure_options: { strategy: 'retry' } }),
    message:
      /^\[failure_options\.strategy\] of workflow should be one of \[fail_fast, continue\], not the string "retry"$/,
  },
  {
    rule: 'parallelism is an integer',
    valid: base({ a: step() }, { parallelism: 4 }),
    invalid: base({ a: step() }, { parallelism: 'four' }),
    message: /^\[parallelism\] of workflow should be a number, not the string "four"$/,
  },
  {
    rule: 'main_fs is writable',
    valid: base({ a: step() }, { fs_options: { main_fs: { name: 'data', read_only: false } } }),
    invalid: base({ a: step() }, { fs_options: { main_fs: { name: 'data', read_only: true } } }),
    message: /^fs_options\.main_fs cannot be read_only/,
  },
  {
    rule: 'sub_path is relative',
    valid: base({ a: step({ extra_fs: [{ name: 'm', sub_path: 'models' }] }) }),
    invalid: base({ a: step({ extra_fs: [{ name: 'm', sub_path: '/models' }] }) }),
    message: /^sub_path \[\/models\] of fs \[m\] in extra_fs of step \[a\] must be relative/,
  },
  {
    rule: "fs mounts and cache scopes accept PaddleFlow's hidden id, nothing else",
    valid: base({
      a: step({
        extra_fs: [{ name: 'm', id: 'fs-root-m' }],
        cache: { fs_scope: [{ name: 'm', id: 'fs-root-m' }] },
      }),
    }),
    invalid: base({ a: step({ extra_fs: [{ name: 'm', mountpath: '/m' }] }) }),
    message: /^\[extra_fs\[0\]\] of step \[a\] has no attribute \[mountpath\]$/,
  },
  {
    rule: 'an fs mount has a name',
    valid: base({ a: step({ extra_fs: [{ name: 'm' }] }) }),
    invalid: base({ a: step({ extra_fs: [{ mount_path: '/m' }] }) }),
    message: /^\[extra_fs\[0\]\.name\] of step \[a\] is required$/,
  },
  {
    rule: 'an image is not a tar file',
    valid: base({ a: step({ docker_env: 'busybox:1' }) }),
    invalid: base({ a: step({ docker_env: 'image.tar' }) }),
    message: /^docker_env \[image\.tar\] of step \[a\] is a tar file/,
  },
];

describe('pipeline rules (§3.4)', () => {
  it.each(rules)('$rule', ({ valid, invalid, message }) => {
    expect(() => accept(valid)).not.toThrow();
    reject(invalid, message);
  });
});

describe('documents', () => {
  it('checks conditions and loops of every component before values, in PaddleFlow order', () => {
    // Two faults: an output artifact without an fs (a value rule) and a bad loop_argument (an attribute rule).
    const doc = {
      name: 'demo',
      entry_points: {
        a: { command: 'x', artifacts: { output: ['o'] } },
        b: { command: 'y', loop_argument: 'oops' },
      },
    };
    reject(doc, /^loop_argument of step \[b\] \[oops\] is neither/);
  });

  it('refuses text that is not YAML, or not a map', () => {
    reject('name: [unclosed', /^pipeline yaml is not valid YAML/);
    reject('- a\n- b\n', /must be a map/);
    reject('name: a\nname: b\nentry_points: {}\n', /not valid YAML.*[Uu]nique/);
  });

  it('skips null values, as PaddleFlow does', () => {
    const spec = accept('name: demo\ndocker_env: ~\nentry_points:\n  a:\n    command: echo\n    deps:\n');
    expect(spec.dockerEnv).toBe('');
    expect(spec.entryPoints.a!.deps).toEqual([]);
  });

  it('accepts camelCase spellings and refuses a key given both ways', () => {
    const spec = accept({
      name: 'demo',
      dockerEnv: 'img',
      entryPoints: { a: { command: 'echo', loopArgument: [1, 2], extraFS: [{ name: 'm', readOnly: true }] } },
    });
    expect(spec.dockerEnv).toBe('img');
    expect(spec.entryPoints.a).toMatchObject({ loopArgument: { kind: 'list', items: [1, 2] } });
    reject(
      { ...base(), dockerEnv: 'x' },
      /^workflow sets \[docker_env\] twice \(as docker_env and dockerEnv\); keep one$/,
    );
  });
});
