/**
 * The rules one component must keep (§3.4): unique names, template scoping in parameters, artifacts, env,
 * command and condition, and the form of loop_argument. PaddleFlow's ComponentParamChecker, with messages that
 * say which component, which field and what is allowed there.
 */
import { ConditionError, parseCondition } from '../condition.ts';
import { SpecError } from './errors.ts';
import { checkVariableName } from './names.ts';
import { checkListValue, checkParamValue } from './params.ts';
import { resolveReference } from './references.ts';
import type { Comp, Tree } from './structure.ts';
import {
  exactOwn,
  exactUpstream,
  isSystemVariable,
  ownTemplatesIn,
  PF_PARENT,
  RETIRED_SYSTEM_VARIABLES,
  SYSTEM_VARIABLES,
  stringLeaves,
  type TemplateRef,
  templatesIn,
} from './templates.ts';
import { type Located, where } from './walk.ts';

export interface RuleContext {
  tree: Tree;
  /** Whether the run has a main fs: without one no component may declare output artifacts. */
  useFs: boolean;
}

/** `request`: an http step's url, header values and body, which see what a command sees. */
type Field = 'parameter' | 'env' | 'command' | 'request';

const SYSTEM_LIST = SYSTEM_VARIABLES.map((name) => `{{${name}}}`).join(', ');

function unknownSystemVariable(name: string): string {
  return RETIRED_SYSTEM_VARIABLES.includes(name)
    ? ` ({{${name}}} belonged to PaddleFlow's old API and no longer exists)`
    : '';
}

/** Parameter, input and output artifact names are unique per component regardless of case. */
function checkUniqueNames(comp: Comp) {
  const seen = new Map<string, string>();
  const groups: [string, string[]][] = [
    ['parameter', Object.keys(comp.parameters)],
    ['input artifact', Object.keys(comp.inputArtifacts)],
    ['output artifact', Object.keys(comp.outputArtifacts)],
  ];
  for (const [kind, names] of groups) {
    for (const name of names) {
      const clash = seen.get(name.toUpperCase());
      if (clash) {
        throw new SpecError(
          `${kind} [${name}] of ${where(comp)} clashes with ${clash}: parameter and artifact names must differ regardless of case`,
        );
      }
      seen.set(name.toUpperCase(), `${kind} [${name}]`);
    }
  }
}

/**
 * A condition (a component's, or a gateway branch's) uses only the component's own parameters, input
 * artifacts and system variables, and parses as an expression.
 */
export function checkConditionExpression(condition: string, own: Comp, what: string) {
  const dotted = templatesIn(condition).find((ref) => ref.component !== undefined);
  if (dotted)
    throw new SpecError(
      `${what} uses ${dotted.text}; a condition may only use this component's parameters, input artifacts and system variables`,
    );
  for (const ref of ownTemplatesIn(condition)) {
    const known = ref.name in own.parameters || ref.name in own.inputArtifacts || isSystemVariable(ref.name);
    if (!known)
      throw new SpecError(
        `${what} uses ${ref.text}, which is not a parameter, input artifact or system variable of it`,
      );
  }
  try {
    parseCondition(condition.replaceAll('{{', '').replaceAll('}}', ''));
  } catch (error) {
    if (error instanceof ConditionError)
      throw new SpecError(`${what} is not a valid expression: ${error.message}`);
    throw error;
  }
}

class ComponentChecker {
  private readonly comp: Comp;
  /** The component's template when it is a reference step: its parameters and outputs are the template's. */
  private readonly own: Comp;

  constructor(
    private readonly located: Located,
    private readonly context: RuleContext,
  ) {
    this.comp = located.comp;
    this.own = resolveReference(located.comp, context.tree.components);
  }

  private get isTemplate() {
    return this.comp.section === 'components';
  }

  private fail(message: string): never {
    throw new SpecError(message);
  }

  /** `{{PF_PARENT.x}}`: only inside a DAG, and the DAG must have x (or x is PF_LOOP_ARGUMENT). */
  private checkParentRef(ref: TemplateRef, what: string, kind: 'parameter' | 'input artifact') {
    const { parent } = this.located;
    if (!parent) this.fail(`${what} uses ${ref.text}, but ${where(this.comp)} is not inside a dag`);
    const parentOwn = resolveReference(parent, this.context.tree.components);
    const has =
      kind === 'parameter'
        ? ref.name === 'PF_LOOP_ARGUMENT' || ref.name in parentOwn.parameters
        : ref.name in parentOwn.inputArtifacts;
    if (!has)
      this.fail(`${what} uses ${ref.text}, but its parent dag [${parent.path}] has no ${kind} [${ref.name}]`);
  }

  /** `{{sibling.x}}` in a parameter or an input artifact: the sibling is in deps and has x. */
  private upstream(ref: { component: string; name: string; text: string }, what: string): Comp {
    if (!this.comp.deps.includes(ref.component)) {
      this.fail(`${what} uses ${ref.text}, but [${ref.component}] is not in the deps of ${where(this.comp)}`);
    }
    const sibling = this.located.siblings[ref.component];
    if (!sibling)
      this.fail(`${what} uses ${ref.text}, but there is no component [${ref.component}] beside it`);
    return resolveReference(sibling, this.context.tree.components);
  }

  private checkTemplateRefs(value: string, field: Field, what: string) {
    for (const ref of templatesIn(value)) {
      if (ref.component === PF_PARENT) {
        this.checkParentRef(ref, what, 'parameter');
        continue;
      }
      if (ref.component !== undefined) {
        if (field !== 'parameter') {
          this.fail(
            `${what} uses ${ref.text}: only parameters may use an upstream component's parameters; use a parameter of this step instead`,
          );
        }
        const upstream = this.upstream({ ...ref, component: ref.component }, what);
        if (!(ref.name in upstream.parameters)) {
          this.fail(`${what} uses ${ref.text}, but [${ref.component}] has no parameter [${ref.name}]`);
        }
        continue;
      }
      if (isSystemVariable(ref.name)) continue;
      const allowed =
        field === 'parameter'
          ? false
          : ref.name in this.own.parameters ||
            ((field === 'command' || field === 'request') &&
              (ref.name in this.own.inputArtifacts || ref.name in this.own.outputArtifacts));
      if (!allowed) {
        const scope = {
          parameter: `a parameter may use ${SYSTEM_LIST} and {{upstream.parameter}}`,
          env: `env may use system variables and this step's parameters`,
          command: `a command may use system variables and this step's parameters and artifacts`,
          request: `a request may use system variables and this step's parameters and artifacts`,
        }[field];
        this.fail(
          `${what} uses ${ref.text}, which is not defined here: ${scope}${unknownSystemVariable(ref.name)}`,
        );
      }
    }
  }

  private checkParameters() {
    for (const [name, value] of Object.entries(this.comp.parameters)) {
      const what = `parameter [${name}] of ${where(this.comp)}`;
      checkVariableName('parameter', name, where(this.comp));
      const plain = checkParamValue(value, what);
      if (typeof plain === 'string') this.checkTemplateRefs(plain, 'parameter', what);
    }
  }

  private checkInputArtifacts() {
    for (const [name, value] of Object.entries(this.comp.inputArtifacts)) {
      checkVariableName('input artifact', name, where(this.comp));
      // Templates are filled in by the reference step that uses them: PaddleFlow leaves their inputs open.
      if (this.isTemplate && (value === '' || this.comp.path === this.comp.name)) continue;
      const what = `input artifact [${name}] of ${where(this.comp)}`;
      const ref = exactUpstream(value);
      if (!ref) {
        this.fail(
          `${what} is [${value}]; it must be exactly {{upstream.output_artifact}} or {{PF_PARENT.input_artifact}}`,
        );
      }
      const named = { ...ref, text: `{{${ref.component}.${ref.name}}}` };
      if (ref.component === PF_PARENT) {
        this.checkParentRef(named, what, 'input artifact');
        continue;
      }
      this.checkProducer(this.upstream(named, what), named, what);
    }
  }

  /** `{{c.x}}` as an artifact: `c` (resolved) has output x, and no condition (its outputs may not exist). */
  private checkProducer(
    producer: Comp,
    ref: { component: string; name: string; text: string },
    what: string,
  ) {
    if (producer.condition !== undefined) {
      this.fail(
        `${what} uses ${ref.text}, but [${ref.component}] has a condition, so its outputs may not exist`,
      );
    }
    if (!(ref.name in producer.outputArtifacts)) {
      this.fail(`${what} uses ${ref.text}, but [${ref.component}] has no output artifact [${ref.name}]`);
    }
  }

  private checkOutputArtifacts() {
    const outputs = Object.entries(this.comp.outputArtifacts);
    if (outputs.length > 0 && !this.context.useFs) {
      this.fail(
        `cannot define artifact in component[${this.comp.path}] with no Fs mounted: set fs_options.main_fs or run with an fs`,
      );
    }
    for (const [name, value] of outputs) {
      checkVariableName('output artifact', name, where(this.comp));
      if (this.comp.kind !== 'dag') continue;
      const what = `output artifact [${name}] of ${where(this.comp)}`;
      const ref = exactUpstream(value);
      if (!ref || ref.component === PF_PARENT) {
        this.fail(`${what} is [${value}]; a dag's output artifact must be exactly {{child.output_artifact}}`);
      }
      const named = { ...ref, text: `{{${ref.component}.${ref.name}}}` };
      const child = this.comp.children[ref.component];
      if (!child) this.fail(`${what} uses ${named.text}, but the dag has no child [${ref.component}]`);
      this.checkProducer(resolveReference(child, this.context.tree.components), named, what);
    }
  }

  private checkStepFields() {
    const { comp } = this;
    if (comp.kind !== 'step') return;
    for (const [name, value] of Object.entries(comp.env)) {
      checkVariableName('env', name, where(comp));
      this.checkTemplateRefs(value, 'env', `env [${name}] of ${where(comp)}`);
    }
    if (comp.command !== undefined)
      this.checkTemplateRefs(comp.command, 'command', `command of ${where(comp)}`);
    if (comp.rollback !== undefined)
      this.checkTemplateRefs(comp.rollback, 'command', `rollback of ${where(comp)}`);
    if (comp.http) this.checkRequest(comp.http);
  }

  /** An http step's templates: in its url, its header values and its body (a map's string leaves). */
  private checkRequest(http: NonNullable<Comp['http']>) {
    const at = where(this.comp);
    this.checkTemplateRefs(http.url, 'request', `[http.url] of ${at}`);
    for (const [name, value] of Object.entries(http.headers ?? {}))
      this.checkTemplateRefs(value, 'request', `header [${name}] of ${at}`);
    for (const text of stringLeaves(http.body))
      this.checkTemplateRefs(text, 'request', `[http.body] of ${at}`);
  }

  private checkCondition() {
    const { condition } = this.comp;
    if (condition === undefined || condition === '') return;
    checkConditionExpression(condition, this.own, `condition [${condition}] of ${where(this.comp)}`);
  }

  private checkLoopArgument() {
    const loop = this.comp.loopArgument;
    if (loop === undefined) return;
    const what = `loop_argument of ${where(this.comp)}`;
    if (Array.isArray(loop)) {
      checkListValue(loop, what);
      return;
    }
    const text = loop as string;
    const foreign = templatesIn(text).find((ref) => ref.component !== undefined);
    if (foreign) {
      this.fail(
        `${what} uses ${foreign.text}; a loop_argument may only use one of this component's own parameters or input artifacts (pass the upstream value in as one of those)`,
      );
    }
    const refs = ownTemplatesIn(text);
    if (refs.length > 1) this.fail(`${what} [${text}] uses ${refs.length} templates; it may use one, alone`);
    if (refs.length === 1) {
      const name = exactOwn(text);
      if (name === null)
        this.fail(`${what} [${text}] mixes a template with other text; a template must stand alone`);
      if (!(name in this.own.parameters) && !(name in this.own.inputArtifacts)) {
        this.fail(`${what} uses {{${name}}}, which is not a parameter or input artifact of it`);
      }
      return;
    }
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch {
      this.fail(`${what} [${text}] is neither a {{template}} nor a JSON list`);
    }
    if (!Array.isArray(list)) this.fail(`${what} [${text}] is JSON but not a list`);
    checkListValue(list, what);
  }

  /** What PaddleFlow checks of every component first (checkCompAttrs): condition, loop_argument, image. */
  checkAttributes() {
    this.checkCondition();
    this.checkLoopArgument();
    if (this.comp.dockerEnv?.endsWith('.tar')) {
      this.fail(
        `docker_env [${this.comp.dockerEnv}] of ${where(this.comp)} is a tar file; give an image name instead`,
      );
    }
  }

  /** Then names and values (ComponentParamChecker). */
  checkValues() {
    checkUniqueNames(this.comp);
    this.checkParameters();
    this.checkInputArtifacts();
    this.checkOutputArtifacts();
    this.checkStepFields();
  }
}

export const checkComponentAttributes = (located: Located, context: RuleContext) =>
  new ComponentChecker(located, context).checkAttributes();

export const checkComponentValues = (located: Located, context: RuleContext) =>
  new ComponentChecker(located, context).checkValues();
