/**
 * Template resolution at run time (§3.6; PaddleFlow's paramTemplateSolver.go). Two stages, as in PaddleFlow:
 * before a component's nodes are created its DAG resolves its parameters and input artifacts (upstream
 * values, `PF_PARENT`, system variables), once for all its iterations; then each node resolves its own
 * env, command and condition from its system variables, parameters and artifacts.
 */
import { formatGoValue } from '../format.ts';
import type { ComponentSpec, ParamValue } from '../spec/model.ts';
import { PF_PARENT, type TemplateRef, templatesIn } from '../spec/templates.ts';
import type { Draft } from './draft.ts';
import type { NodeState } from './model.ts';

/** A template that cannot be resolved: the node fails with this message. */
export class ResolveError extends Error {}

/** Returns the value of a template, or undefined when it names nothing known. */
export type Lookup = (ref: TemplateRef) => ParamValue | undefined;

function templateValue(ref: TemplateRef, lookup: Lookup, where: string): ParamValue {
  const value = lookup(ref);
  if (value === undefined) throw new ResolveError(`cannot resolve template ${ref.text} in ${where}`);
  return value;
}

/** Every template replaced by its value's Go `%v` text. */
export function substitute(text: string, lookup: Lookup, where: string): string {
  let result = text;
  for (const ref of templatesIn(text))
    result = result.replaceAll(ref.text, formatGoValue(templateValue(ref, lookup, where)));
  return result;
}

/** Like `substitute`, but a value that is one template and nothing else keeps its type (a number, a list). */
export function substituteTyped(text: string, lookup: Lookup, where: string): ParamValue {
  const refs = templatesIn(text);
  if (refs.length === 1 && refs[0]!.text === text) return templateValue(refs[0]!, lookup, where);
  return substitute(text, lookup, where);
}

const loopText = (item: ParamValue | undefined) => (item === undefined ? '' : formatGoValue(item));

/** The system variables of a node, as templates see them and as every job's env carries them (§3.5). */
export function systemVariables(draft: Draft, name: string, loopItem: ParamValue | undefined) {
  return {
    PF_RUN_ID: draft.runId,
    PF_STEP_NAME: name,
    PF_USER_NAME: draft.context.userName,
    PF_LOOP_ARGUMENT: loopText(loopItem),
  } as Record<string, string>;
}

/** `{{PF_MOUNT_PATH}}` is in PaddleFlow's list of names but has no value of its own: the main fs mount path. */
const mountPathOf = (draft: Draft) => draft.context.mainFs?.mountPath ?? '';

export interface Scope {
  /** The DAG node holding the component; undefined at the root. */
  parent?: NodeState;
  /** The nodes of a sibling component, by loop index. */
  siblings(name: string): NodeState[];
}

/**
 * Parameters, resolved by the parent before the nodes exist. System variables are the component's own,
 * except `PF_LOOP_ARGUMENT`: parameters are resolved once for every iteration, before the loop is expanded,
 * so it is the enclosing DAG iteration's item (which is also what PaddleFlow gives).
 */
export function resolveParameters(draft: Draft, comp: ComponentSpec, scope: Scope) {
  const system = systemVariables(draft, comp.name, scope.parent?.loopArgument);
  const lookup: Lookup = (ref) => {
    if (ref.component === undefined)
      return ref.name === 'PF_MOUNT_PATH' ? mountPathOf(draft) : system[ref.name];
    if (ref.component === PF_PARENT) {
      const parent = scope.parent;
      if (!parent) return undefined;
      if (ref.name in parent.parameters) return parent.parameters[ref.name];
      return ref.name === 'PF_LOOP_ARGUMENT' ? (parent.loopArgument ?? '') : undefined;
    }
    // Every iteration of a component has the same parameters: PaddleFlow reads the first.
    return scope.siblings(ref.component)[0]?.parameters[ref.name];
  };
  const where = `the parameters of ${comp.kind} [${comp.path}]`;
  return Object.fromEntries(
    Object.entries(comp.parameters).map(([name, param]) => {
      const value = param.value ?? '';
      return [name, typeof value === 'string' ? substituteTyped(value, lookup, where) : value];
    }),
  ) as Record<string, ParamValue>;
}

/** An output artifact's fs paths over a group's iterations, comma-joined (iterations without it left out). */
export const outputPaths = (group: NodeState[], artifact: string) =>
  group
    .map((node) => node.outputArtifacts[artifact] ?? '')
    .filter((path) => path !== '')
    .join(',');

/** Input artifacts → fs paths: a sibling's output (every iteration's, comma-joined) or the parent's input. */
export function resolveInputArtifacts(comp: ComponentSpec, scope: Scope): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(comp.inputArtifacts)) {
    const ref = templatesIn(value)[0];
    const fail = () => {
      throw new ResolveError(
        `cannot resolve input artifact [${name}] = [${value}] of ${comp.kind} [${comp.path}]`,
      );
    };
    if (!ref?.component) return fail();
    if (ref.component === PF_PARENT) {
      const path = scope.parent?.inputArtifacts[ref.name];
      if (path === undefined) return fail();
      resolved[name] = path;
      continue;
    }
    const upstream = scope.siblings(ref.component);
    if (upstream.length === 0) return fail();
    resolved[name] = outputPaths(upstream, ref.name);
  }
  return resolved;
}

/** What a node's own `{{name}}` templates see, in PaddleFlow's order: system variables, then parameters. */
export function ownLookup(draft: Draft, node: NodeState, artifacts: (name: string) => string | undefined) {
  const system = systemVariables(draft, node.name, node.loopArgument);
  const lookup: Lookup = (ref) => {
    if (ref.component !== undefined) return undefined;
    if (ref.name in system) return system[ref.name];
    if (ref.name === 'PF_MOUNT_PATH') return mountPathOf(draft);
    if (ref.name in node.parameters) return node.parameters[ref.name];
    return artifacts(ref.name);
  };
  return lookup;
}
