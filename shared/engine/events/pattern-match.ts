/**
 * Matching an event against a parsed pattern, as EventBridge does (see pattern.ts for the sources).
 *
 * The event is read as Ruler reads it: only leaves (strings, numbers, booleans, null) are values; an object is an
 * intermediate node with no value of its own; arrays are flattened, however deeply nested, into the field's values,
 * and objects inside them are searched as if each were the field's value. So a field exists when it has at least
 * one leaf: `[]` and `{...}` count as missing, `null` counts as present.
 *
 * Choices where the user guide is silent:
 * - Array consistency: a nested pattern is matched against one array element at a time, so the fields it names
 *   must all come from the same element (Ruler's `rulesForJSONEvent`); `exists: false` inside it is judged per
 *   element too.
 * - `anything-but` needs the field to be present: a missing field does not match (AWS behaves so; a null does
 *   match). Values of another type than the excluded ones pass, as in Ruler: `{"anything-but": {"prefix": "a"}}`
 *   matches the number 12, `{"anything-but": [1]}` matches the string "1".
 * - Case-insensitive filters compare `toLowerCase()` of both sides (Unicode default case mapping, no locale).
 * - Exact strings are compared as written: Ruler also treats a pattern string that parses as an IP address as
 *   that address (so "10.0.0.01" would match "10.0.0.1"); Floe does not.
 */
import { inCidrBlock, parseIpAddress } from './ip.ts';
import { comparableKey, inNumericRange, numbersEqual } from './numbers.ts';
import {
  type EventPattern,
  type Exclusion,
  isObject,
  lower,
  type NumericComparison,
  type NumericOperator,
  type PatternObject,
  type ValueFilter,
} from './pattern.ts';
import { matchesWildcard } from './wildcard.ts';

type Leaf = string | number | boolean | null;

const isLeaf = (value: unknown): value is Leaf =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

const childOf = (node: unknown, key: string): unknown =>
  isObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;

function leavesOf(value: unknown, leaves: Leaf[] = []): Leaf[] {
  if (Array.isArray(value)) for (const element of value) leavesOf(element, leaves);
  else if (isLeaf(value)) leaves.push(value);
  return leaves;
}

function objectsOf(value: unknown, objects: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const element of value) objectsOf(element, objects);
  else if (isObject(value)) objects.push(value);
  return objects;
}

export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchesObject(pattern, event);
}

/** `node` is one object of the event, or anything else when the pattern's level is missing from the event. */
function matchesObject(pattern: PatternObject, node: unknown): boolean {
  for (const field of pattern.fields) {
    const value = childOf(node, field.key);
    if (field.kind === 'values') {
      const leaves = leavesOf(value);
      if (!field.filters.some((filter) => matchesFilter(filter, leaves))) return false;
    } else {
      const objects = objectsOf(value);
      // With no object to descend into, the nested fields are all missing, which `exists: false` still matches.
      const matched =
        objects.length === 0
          ? matchesObject(field.pattern, undefined)
          : objects.some((object) => matchesObject(field.pattern, object));
      if (!matched) return false;
    }
  }
  return pattern.alternatives?.some((alternative) => matchesObject(alternative, node)) ?? true;
}

function matchesFilter(filter: ValueFilter, leaves: Leaf[]): boolean {
  switch (filter.kind) {
    case 'exists':
      return filter.exists === leaves.length > 0;
    case 'anything-but':
      return leaves.some((leaf) => !isExcluded(filter.exclusion, leaf));
    default:
      return leaves.some((leaf) => matchesLeaf(filter, leaf));
  }
}

function matchesLeaf(filter: ValueFilter, leaf: Leaf): boolean {
  switch (filter.kind) {
    case 'exact':
      return typeof filter.value === 'number'
        ? typeof leaf === 'number' && numbersEqual(filter.value, leaf)
        : filter.value === leaf;
    case 'numeric':
      return typeof leaf === 'number' && inNumericRange(leaf) && satisfiesAll(filter.comparisons, leaf);
    case 'cidr': {
      const address = typeof leaf === 'string' ? parseIpAddress(leaf) : undefined;
      return address !== undefined && inCidrBlock(filter.block, address);
    }
    case 'prefix':
    case 'suffix': {
      if (typeof leaf !== 'string') return false;
      const text = filter.ignoreCase ? lower(leaf) : leaf;
      return filter.kind === 'prefix' ? text.startsWith(filter.value) : text.endsWith(filter.value);
    }
    case 'equals-ignore-case':
      return typeof leaf === 'string' && lower(leaf) === filter.value;
    case 'wildcard':
      return typeof leaf === 'string' && matchesWildcard(filter.wildcard, leaf);
    default:
      return false;
  }
}

const COMPARE: Record<NumericOperator, (left: number, right: number) => boolean> = {
  '<': (left, right) => left < right,
  '<=': (left, right) => left <= right,
  '=': (left, right) => left === right,
  '>': (left, right) => left > right,
  '>=': (left, right) => left >= right,
};

function satisfiesAll(comparisons: readonly NumericComparison[], value: number): boolean {
  const key = comparableKey(value);
  return comparisons.every(({ operator, value: bound }) => COMPARE[operator](key, comparableKey(bound)));
}

function isExcluded(exclusion: Exclusion, leaf: Leaf): boolean {
  if (exclusion.kind === 'numbers') {
    return typeof leaf === 'number' && exclusion.values.some((value) => numbersEqual(value, leaf));
  }
  if (typeof leaf !== 'string') return false;
  switch (exclusion.kind) {
    case 'strings':
      return exclusion.values.includes(leaf);
    case 'prefix':
      return exclusion.values.some((prefix) => leaf.startsWith(prefix));
    case 'suffix':
      return exclusion.values.some((suffix) => leaf.endsWith(suffix));
    case 'equals-ignore-case':
      return exclusion.values.includes(lower(leaf));
    case 'wildcard':
      return exclusion.wildcards.some((wildcard) => matchesWildcard(wildcard, leaf));
  }
}
