/**
 * JSON paths that pick one value out of an event, in the syntax of EventBridge's InputPath and InputTransformer:
 * `$`, `$.detail`, `$.detail.a.b`, `$.detail.items[0]`, `$.detail['key with space']`.
 *
 * The user guide lists what EventBridge accepts: dot notation with alphanumerics, dashes, underscores and forward
 * slashes, array indices, and wildcards. Floe takes those names and indices, and adds quoted brackets for any other
 * key; it refuses wildcards, because a trigger parameter is one value, not a list. Note the API reference says
 * InputPathsMap must use dot notation, so a bracketed key cannot be handed to a real InputTransformer as is.
 * Everything else JSONPath has (filters, unions, slices, `..`, negative indices) is refused with a clear message.
 */
import { isObject } from './pattern.ts';

export type JsonPathSegment =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number };

export interface JsonPath {
  readonly source: string;
  readonly segments: readonly JsonPathSegment[];
}

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

// The user guide's "alphanumeric characters", read as Unicode letters and digits.
const NAME = /^[\p{L}\p{N}_\-/]+/u;
const INDEX = /^(0|[1-9]\d*)\]/;
const STEPS = "a step is .name (letters, digits, -, _, /), [0] or ['any key']";

export function parseJsonPath(path: string): JsonPath {
  const fail: (problem: string) => never = (problem) => {
    throw new JsonPathError(`JSON path ${JSON.stringify(path)}: ${problem}`);
  };
  if (typeof path !== 'string' || path === '')
    throw new JsonPathError('a JSON path must not be empty; e.g. $.detail');
  if (path[0] !== '$') fail('must start with $, e.g. $.detail.size');
  const segments: JsonPathSegment[] = [];
  let position = 1;
  while (position < path.length) {
    const rest = path.slice(position);
    if (rest.startsWith('..'))
      fail('recursive descent (..) is not supported; name each step, e.g. $.detail.a');
    if (rest[0] === '.') {
      const name = NAME.exec(rest.slice(1))?.[0];
      if (name === undefined) {
        const next = rest[1];
        if (next === undefined) fail('ends with a dot');
        if (next === '*') fail('wildcards (*) are not supported; a path picks one value');
        fail(`unexpected ${JSON.stringify(next)} at position ${position + 2}; ${STEPS}`);
      }
      segments.push({ kind: 'key', key: name });
      position += 1 + name.length;
    } else if (rest[0] === '[') {
      const [segment, length] = parseBracket(rest, position, fail);
      segments.push(segment);
      position += length;
    } else {
      fail(`unexpected ${JSON.stringify(rest[0])} at position ${position + 1}; ${STEPS}`);
    }
  }
  return { source: path, segments };
}

/** Reads `[0]`, `['key']` or `["key"]` at the start of `rest`; returns the segment and how many characters it took. */
function parseBracket(
  rest: string,
  position: number,
  fail: (problem: string) => never,
): [JsonPathSegment, number] {
  const inside = rest[1];
  if (inside === "'" || inside === '"') {
    let key = '';
    for (let index = 2; index < rest.length; index++) {
      const character = rest[index]!;
      if (character === inside) {
        if (rest[index + 1] !== ']')
          fail(`expected ] after the quoted key at position ${position + index + 2}`);
        return [{ kind: 'key', key }, index + 2];
      }
      if (character === '\\') {
        const escaped = rest[index + 1];
        if (escaped !== '\\' && escaped !== "'" && escaped !== '"') {
          fail(`a backslash in a quoted key may only escape \\, ' or " (position ${position + index + 1})`);
        }
        key += escaped;
        index++;
      } else {
        key += character;
      }
    }
    fail(`unclosed quote at position ${position + 2}`);
  }
  const index = INDEX.exec(rest.slice(1));
  if (index) {
    const value = Number(index[1]);
    if (!Number.isSafeInteger(value)) fail(`array index ${index[1]} is too large`);
    return [{ kind: 'index', index: value }, 1 + index[0].length];
  }
  const body = rest.slice(1, rest.includes(']') ? rest.indexOf(']') : undefined);
  if (body.startsWith('*')) fail('wildcards ([*]) are not supported; a path picks one value');
  if (body.startsWith('?')) fail('filters ([?(…)]) are not supported');
  if (body.startsWith('-')) fail('negative array indices are not supported');
  if (body.includes(':')) fail('array slices ([a:b]) are not supported');
  if (body.includes(',')) fail('unions ([a,b]) are not supported');
  return fail(`bad bracket at position ${position + 1}; write [0] for an array element or ['key'] for a key`);
}

/** The value at `path`, or undefined when any step is missing (a key on a non-object, an index past the end). */
export function readJsonPath(path: JsonPath, document: unknown): unknown {
  let current = document;
  for (const segment of path.segments) {
    if (segment.kind === 'key') {
      if (!isObject(current) || !Object.hasOwn(current, segment.key)) return undefined;
      current = current[segment.key];
    } else {
      if (!Array.isArray(current) || segment.index >= current.length) return undefined;
      current = current[segment.index];
    }
  }
  return current;
}
