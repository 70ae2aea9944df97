/**
 * A component's loop argument → its list of items (§3.6, PaddleFlow's `resolveLoopArugment`): a literal list;
 * one of its own parameters holding a list or a JSON-list string; or one of its own input artifacts whose file
 * (≤ 1 MB) holds a JSON list, which the adapter has to read first.
 */
import type { LoopArgument, ParamList, ParamValue } from '../spec/model.ts';
import { singlePath } from './gate.ts';
import { ResolveError } from './resolve.ts';

export const LOOP_READ_LIMIT = 1_048_576;

export type LoopItems = { kind: 'items'; items: ParamList } | { kind: 'read'; path: string };

function parseList(text: string, what: string): ParamList {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: refused below, as a value that is not a list.
  }
  if (!Array.isArray(value))
    throw new ResolveError(
      `the value of loop_argument (${what}) should be a list or a JSON list, and is: ${text}`,
    );
  return value as ParamList;
}

/** The items, or the artifact file to read first when `content` (that file's text) is not given yet. */
export function loopItems(
  loop: LoopArgument,
  parameters: Record<string, ParamValue>,
  inputArtifacts: Record<string, string>,
  content?: string,
): LoopItems {
  switch (loop.kind) {
    case 'list':
      return { kind: 'items', items: loop.items };
    case 'parameter': {
      const value = parameters[loop.name];
      if (Array.isArray(value)) return { kind: 'items', items: value };
      if (typeof value === 'string')
        return { kind: 'items', items: parseList(value, `parameter ${loop.name}`) };
      throw new ResolveError(
        `the value of loop_argument (parameter ${loop.name}) should be a list, and is: ${value}`,
      );
    }
    case 'artifact': {
      if (content !== undefined) return { kind: 'items', items: parseList(content, `artifact ${loop.name}`) };
      return {
        kind: 'read',
        path: singlePath(inputArtifacts[loop.name], `loop_argument artifact [${loop.name}]`),
      };
    }
  }
}
