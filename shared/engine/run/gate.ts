/**
 * Whether a new node runs at all (§4.3 step start, §4.4): disabled ⇒ skipped; a condition that is false ⇒
 * skipped; a condition that cannot be evaluated ⇒ failed. A condition naming input artifacts compares their
 * file contents (≤ 1 KB), which the engine has to ask the adapter for first; a gateway's branch conditions
 * (gateway.ts) are read in the same request and evaluated the same way.
 *
 * PaddleFlow evaluates the condition before looking at `disabled`; we look at `disabled` first, so a
 * disabled component is skipped without reading or evaluating anything.
 */

import { splitCommaList } from '../comma-list.ts';
import { ConditionError, evaluateCondition } from '../condition.ts';
import type { ComponentSpec } from '../spec/model.ts';
import { templatesIn } from '../spec/templates.ts';
import type { Draft } from './draft.ts';
import type { NodeState } from './model.ts';
import { ownLookup, ResolveError, substitute } from './resolve.ts';
import { gatewayOf, isDisabled } from './tree.ts';

export const CONDITION_READ_LIMIT = 1024;

export type Gate =
  | { kind: 'run' }
  | { kind: 'skip'; message: string }
  | { kind: 'fail'; message: string }
  | { kind: 'read'; paths: string[] };

/** File contents the adapter answered with, by fs path (`null`: unreadable). */
export type Contents = Record<string, string | null>;

/** The single fs path of an artifact whose contents are read (a comma list cannot be read as one file). */
export function singlePath(paths: string | undefined, what: string): string {
  const list = splitCommaList(paths);
  if (list.length !== 1)
    throw new ResolveError(`${what} has ${list.length} paths; only a single file can be read`);
  return list[0]!;
}

const readablePath = (node: NodeState, artifact: string) =>
  singlePath(node.inputArtifacts[artifact], `input artifact [${artifact}] of [${node.key}]`);

const utf8 = new TextEncoder();

/** The contents of one read path, checked against the read's limit. */
export function contentOf(contents: Contents, path: string, limit: number, error?: string): string {
  const content = contents[path];
  if (content === null || content === undefined)
    throw new ResolveError(`cannot read artifact file [${path}]${error ? `: ${error}` : ''}`);
  if (utf8.encode(content).length > limit)
    throw new ResolveError(`artifact file [${path}] is larger than ${limit} bytes`);
  return content;
}

/** The input artifacts a condition names (those not shadowed by a system variable or parameter). */
function artifactsIn(draft: Draft, node: NodeState, condition: string): string[] {
  const lookup = ownLookup(draft, node, () => undefined);
  return templatesIn(condition)
    .filter((ref) => lookup(ref) === undefined && ref.name in node.inputArtifacts)
    .map((ref) => ref.name);
}

/**
 * Every condition a node evaluates when it begins: its own, and a gateway's branch conditions (read together,
 * so a gateway waits for one read, not one per condition).
 */
function conditionsOf(comp: ComponentSpec): string[] {
  const branches = gatewayOf(comp)?.branches.map((branch) => branch.condition) ?? [];
  return comp.condition === undefined ? branches : [comp.condition, ...branches];
}

/** The file contents a node's conditions were evaluated with (the adapter's answer to its read). */
export interface Read {
  contents: Contents;
  error?: string;
}

/**
 * Whether one of the node's conditions holds, its input artifacts replaced by the contents read for them.
 * Throws what `isConditionError` recognises when it cannot be evaluated.
 */
export function conditionHolds(
  draft: Draft,
  node: NodeState,
  condition: string,
  read: Read | undefined,
  where: string,
): boolean {
  const content = (name: string) =>
    name in node.inputArtifacts
      ? contentOf(read?.contents ?? {}, readablePath(node, name), CONDITION_READ_LIMIT, read?.error)
      : undefined;
  return evaluateCondition(substitute(condition, ownLookup(draft, node, content), where));
}

/** A condition that cannot be evaluated (SyntaxError: a bad regular expression after `=~`). */
export const isConditionError = (error: unknown) =>
  [ResolveError, ConditionError, SyntaxError].some((type) => error instanceof type);

export function gate(draft: Draft, node: NodeState, comp: ComponentSpec, read?: Read): Gate {
  const kind = comp.kind;
  if (isDisabled(draft.spec, node))
    return { kind: 'skip', message: `${kind}[${node.key}] is disabled, skip running` };
  try {
    const artifacts = conditionsOf(comp).flatMap((condition) => artifactsIn(draft, node, condition));
    if (artifacts.length > 0 && !read) {
      return { kind: 'read', paths: [...new Set(artifacts.map((name) => readablePath(node, name)))] };
    }
    if (comp.condition === undefined) return { kind: 'run' };
    if (conditionHolds(draft, node, comp.condition, read, `the condition of [${node.key}]`))
      return { kind: 'run' };
    return {
      kind: 'skip',
      message: `the result of condition for ${kind}[${node.key}] is false, skip running`,
    };
  } catch (error) {
    if (!isConditionError(error)) throw error;
    return {
      kind: 'fail',
      message: `calculate the condition field for ${kind}[${node.key}] failed: ${(error as Error).message}`,
    };
  }
}
