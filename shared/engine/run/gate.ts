/**
 * Whether a new node runs at all (§4.3 step start, §4.4): disabled ⇒ skipped; a condition that is false ⇒
 * skipped; a condition that cannot be evaluated ⇒ failed. A condition naming input artifacts compares their
 * file contents (≤ 1 KB), which the engine has to ask the adapter for first.
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
import { isDisabled } from './tree.ts';

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

/** The contents of one read path, checked against the read's limit. */
export function contentOf(contents: Contents, path: string, limit: number, error?: string): string {
  const content = contents[path];
  if (content === null || content === undefined)
    throw new ResolveError(`cannot read artifact file [${path}]${error ? `: ${error}` : ''}`);
  if (new TextEncoder().encode(content).length > limit)
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

export function gate(
  draft: Draft,
  node: NodeState,
  comp: ComponentSpec,
  read?: { contents: Contents; error?: string },
): Gate {
  const kind = comp.kind;
  if (isDisabled(draft.spec, node))
    return { kind: 'skip', message: `${kind}[${node.key}] is disabled, skip running` };
  if (comp.condition === undefined) return { kind: 'run' };
  try {
    const artifacts = artifactsIn(draft, node, comp.condition);
    if (artifacts.length > 0 && !read) {
      return { kind: 'read', paths: [...new Set(artifacts.map((name) => readablePath(node, name)))] };
    }
    const content = (name: string) =>
      name in node.inputArtifacts
        ? contentOf(read?.contents ?? {}, readablePath(node, name), CONDITION_READ_LIMIT, read?.error)
        : undefined;
    const text = substitute(
      comp.condition,
      ownLookup(draft, node, content),
      `the condition of [${node.key}]`,
    );
    if (evaluateCondition(text)) return { kind: 'run' };
    return {
      kind: 'skip',
      message: `the result of condition for ${kind}[${node.key}] is false, skip running`,
    };
  } catch (error) {
    // SyntaxError: a bad regular expression after `=~`.
    const expected = [ResolveError, ConditionError, SyntaxError].some((type) => error instanceof type);
    if (!expected) throw error;
    return {
      kind: 'fail',
      message: `calculate the condition field for ${kind}[${node.key}] failed: ${(error as Error).message}`,
    };
  }
}
