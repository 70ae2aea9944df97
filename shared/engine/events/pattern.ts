/**
 * EventBridge event patterns: parsing and validation. A trigger in AWS is a real EventBridge rule, so a pattern
 * must be refused here exactly when EventBridge would refuse it and must mean what EventBridge makes of it.
 * Sources: the EventBridge user guide ("Creating event patterns", "Comparison operators", "Content filtering"),
 * and where it is silent, Ruler (aws/event-ruler), the matcher EventBridge runs; each such choice says so below.
 *
 * Choices where neither settles it, or where Floe deliberately stays narrower:
 * - `$or` is always the operator, never a field name (Ruler's rule compiler does the same); it needs an array of at
 *   least two non-empty objects, and a filter name used as a field inside one is refused, as Ruler refuses it.
 * - `exactly` (a Ruler filter the user guide does not document) is refused as unknown.
 * - Wildcard "rule is too complex" limits are not reproduced: they depend on every rule on the bus.
 * - Keys are taken literally: Ruler joins nested keys with dots, so `{"a.b": [1]}` also matches `{"a": {"b": 1}}`
 *   there; its README says not to rely on that, and neither does Floe.
 */
import { addressBits, type CidrBlock, cidrBlock, parseIpAddress } from './ip.ts';
import { inNumericRange } from './numbers.ts';
import { parseWildcard, type Wildcard } from './wildcard.ts';

export class EventPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventPatternError';
  }
}

export type NumericOperator = '<' | '<=' | '=' | '>' | '>=';

export interface NumericComparison {
  readonly operator: NumericOperator;
  readonly value: number;
}

/**
 * What `anything-but` leaves out. Case-insensitive values are kept lowercased, so matching lowercases only the
 * event's side.
 */
export type Exclusion =
  | { readonly kind: 'strings'; readonly values: readonly string[] }
  | { readonly kind: 'numbers'; readonly values: readonly number[] }
  | { readonly kind: 'prefix' | 'suffix' | 'equals-ignore-case'; readonly values: readonly string[] }
  | { readonly kind: 'wildcard'; readonly wildcards: readonly Wildcard[] };

/**
 * One entry of a field's array; the field matches when any entry does. Case-insensitive values (`ignoreCase`,
 * `equals-ignore-case`) are kept lowercased, so matching lowercases only the event's side.
 */
export type ValueFilter =
  | { readonly kind: 'exact'; readonly value: string | number | boolean | null }
  | { readonly kind: 'prefix' | 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'wildcard'; readonly wildcard: Wildcard }
  | { readonly kind: 'anything-but'; readonly exclusion: Exclusion }
  | { readonly kind: 'numeric'; readonly comparisons: readonly NumericComparison[] }
  | { readonly kind: 'exists'; readonly exists: boolean }
  | { readonly kind: 'cidr'; readonly block: CidrBlock };

export type PatternField =
  | { readonly key: string; readonly kind: 'values'; readonly filters: readonly ValueFilter[] }
  | { readonly key: string; readonly kind: 'nested'; readonly pattern: PatternObject };

/** An object level of a pattern: every field must match, and one of the `$or` alternatives if there are any. */
export interface PatternObject {
  readonly fields: readonly PatternField[];
  readonly alternatives?: readonly PatternObject[];
}

export type EventPattern = PatternObject;

const FILTER_NAMES = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
] as const;
type FilterName = (typeof FILTER_NAMES)[number];

// Ruler reserves these inside `$or` so a misplaced filter is not silently read as a field of that name.
const RESERVED_IN_OR = new Set<string>([...FILTER_NAMES, 'exactly', '=', '<', '<=', '>', '>=']);

const ANYTHING_BUT_FILTERS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'] as const;

const NUMERIC_OPERATORS: readonly string[] = ['<', '<=', '=', '>', '>='];
const isNumericOperator = (operator: string): operator is NumericOperator =>
  NUMERIC_OPERATORS.includes(operator);
const NUMERIC_EXAMPLE = 'e.g. [">", 0, "<=", 5]';

type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(path: string, problem: string): never {
  throw new EventPatternError(`${path}: ${problem}`);
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;
const keyPath = (path: string, key: string) =>
  IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

/** How case-insensitive filters fold case, on both sides: Unicode default case mapping, no locale. */
export const lower = (text: string) => text.toLowerCase();

/** Parses the pattern as the user sent it (a parsed JSON value); throws EventPatternError naming the path. */
export function parseEventPattern(input: unknown): EventPattern {
  if (!isObject(input)) fail('pattern', 'must be a JSON object of fields, e.g. {"source": ["floe"]}');
  return parseObject(input, 'pattern', false);
}

function parseObject(object: Json, path: string, insideOr: boolean): PatternObject {
  const entries = Object.entries(object);
  if (entries.length === 0) fail(path, 'must not be an empty object');
  const fields: PatternField[] = [];
  let alternatives: PatternObject[] | undefined;
  for (const [key, value] of entries) {
    const at = keyPath(path, key);
    if (key === '$or') {
      alternatives = parseOr(value, at);
    } else if (insideOr && RESERVED_IN_OR.has(key)) {
      fail(
        at,
        `"${key}" is a filter, not a field; filters go in a field's array, e.g. {"field": [{"${key}": …}]}`,
      );
    } else if (Array.isArray(value)) {
      fields.push({ key, kind: 'values', filters: parseValues(value, at) });
    } else if (isObject(value)) {
      fields.push({ key, kind: 'nested', pattern: parseObject(value, at, insideOr) });
    } else if ((FILTER_NAMES as readonly string[]).includes(key)) {
      fail(
        at,
        `must be an array; to filter, put the filter in the field's array, e.g. [{"${key}": ${show(value)}}]`,
      );
    } else {
      fail(at, `must be an array of values to match, e.g. [${show(value)}], or an object of nested fields`);
    }
  }
  return alternatives ? { fields, alternatives } : { fields };
}

function parseOr(value: unknown, path: string): PatternObject[] {
  if (!Array.isArray(value) || value.length < 2) {
    fail(path, 'needs an array of at least two patterns, e.g. [{"a": ["x"]}, {"b": ["y"]}]');
  }
  return value.map((alternative, index) => {
    const at = `${path}[${index}]`;
    if (!isObject(alternative)) fail(at, 'each $or alternative must be a JSON object of fields');
    return parseObject(alternative, at, true);
  });
}

function parseValues(values: unknown[], path: string): ValueFilter[] {
  if (values.length === 0) fail(path, 'must list at least one value to match');
  // The index is only worth showing when there is more than one entry to point at.
  const at = (index: number) => (values.length > 1 ? `${path}[${index}]` : path);
  return values.map((value, index): ValueFilter => {
    if (typeof value === 'string' || typeof value === 'boolean' || value === null)
      return { kind: 'exact', value };
    if (typeof value === 'number' && Number.isFinite(value)) return { kind: 'exact', value };
    if (isObject(value)) return parseFilter(value, at(index));
    return fail(
      at(index),
      `cannot match ${show(value)}: a value to match is a string, number, true, false, null or a filter such as {"prefix": "abc"}`,
    );
  });
}

function parseFilter(filter: Json, path: string): ValueFilter {
  const names = Object.keys(filter);
  if (names.length !== 1) {
    fail(
      path,
      names.length === 0
        ? 'an empty filter; use one filter such as {"prefix": "abc"}'
        : `a filter object takes exactly one filter, got ${names.map((name) => `"${name}"`).join(', ')}`,
    );
  }
  const name = names[0]!;
  const argument = filter[name];
  switch (name as FilterName) {
    case 'prefix':
    case 'suffix':
      return parseAffix(name as 'prefix' | 'suffix', argument, path);
    case 'equals-ignore-case':
      if (typeof argument !== 'string') fail(path, 'equals-ignore-case needs a string');
      return { kind: 'equals-ignore-case', value: lower(argument) };
    case 'wildcard':
      if (typeof argument !== 'string') fail(path, 'wildcard needs a string such as "*.png"');
      return { kind: 'wildcard', wildcard: wildcardAt(argument, path) };
    case 'anything-but':
      return { kind: 'anything-but', exclusion: parseAnythingBut(argument, path) };
    case 'numeric':
      return { kind: 'numeric', comparisons: parseNumeric(argument, path) };
    case 'exists':
      if (typeof argument !== 'boolean') fail(path, 'exists needs true or false');
      return { kind: 'exists', exists: argument };
    case 'cidr':
      if (typeof argument !== 'string') fail(path, 'cidr needs a string such as "10.0.0.0/24"');
      return { kind: 'cidr', block: parseCidr(argument, path) };
    default:
      return fail(path, `unknown filter "${name}"; the filters are ${FILTER_NAMES.join(', ')}`);
  }
}

function parseAffix(name: 'prefix' | 'suffix', argument: unknown, path: string): ValueFilter {
  if (typeof argument === 'string') return { kind: name, value: argument, ignoreCase: false };
  const inner = isObject(argument) ? Object.keys(argument) : [];
  if (isObject(argument) && inner.length === 1 && typeof argument['equals-ignore-case'] === 'string') {
    return { kind: name, value: lower(argument['equals-ignore-case']), ignoreCase: true };
  }
  return fail(path, `${name} needs a string or {"equals-ignore-case": "…"}`);
}

function wildcardAt(source: string, path: string): Wildcard {
  const parsed = parseWildcard(source);
  return typeof parsed === 'string' ? fail(path, `wildcard ${show(source)}: ${parsed}`) : parsed;
}

function checkNumber(value: number, path: string, what: string) {
  if (!inNumericRange(value)) {
    fail(path, `${what} ${value} is out of range; EventBridge compares numbers from -5e9 to 5e9`);
  }
}

/**
 * Ruler's rules, which the user guide leaves out: a list holds only strings or only numbers (no booleans or null),
 * numbers must be in the numeric range, an excluded prefix or suffix must not be empty, and the nested filter is one
 * of prefix, suffix, equals-ignore-case or wildcard, each taking a string or a list of strings.
 */
function parseAnythingBut(argument: unknown, path: string): Exclusion {
  const usage =
    'anything-but needs a string, a number, a list of only strings or only numbers, or one of {"prefix" | "suffix" | "equals-ignore-case" | "wildcard": …}';
  if (typeof argument === 'string') return { kind: 'strings', values: [argument] };
  if (typeof argument === 'number' && Number.isFinite(argument)) {
    checkNumber(argument, path, 'anything-but number');
    return { kind: 'numbers', values: [argument] };
  }
  if (Array.isArray(argument)) {
    if (argument.length === 0) fail(path, 'anything-but needs at least one value');
    if (argument.every((value) => typeof value === 'string')) return { kind: 'strings', values: argument };
    if (argument.every((value) => typeof value === 'number' && Number.isFinite(value))) {
      for (const value of argument) checkNumber(value, path, 'anything-but number');
      return { kind: 'numbers', values: argument };
    }
    fail(path, 'anything-but lists take only strings or only numbers (no mixing, no true, false or null)');
  }
  if (!isObject(argument)) return fail(path, usage);
  const names = Object.keys(argument);
  const name = names[0] as (typeof ANYTHING_BUT_FILTERS)[number];
  if (names.length !== 1 || !ANYTHING_BUT_FILTERS.includes(name)) {
    fail(
      path,
      `anything-but takes one of ${ANYTHING_BUT_FILTERS.join(', ')}, got ${names.join(', ') || 'nothing'}`,
    );
  }
  const inner = argument[name];
  const strings = typeof inner === 'string' ? [inner] : inner;
  if (
    !Array.isArray(strings) ||
    strings.length === 0 ||
    !strings.every((value) => typeof value === 'string')
  ) {
    return fail(path, `anything-but ${name} needs a string or a non-empty list of strings`);
  }
  if (name === 'wildcard')
    return { kind: name, wildcards: strings.map((source) => wildcardAt(source, path)) };
  if ((name === 'prefix' || name === 'suffix') && strings.includes('')) {
    fail(path, `anything-but ${name} must not be empty`);
  }
  return { kind: name, values: name === 'equals-ignore-case' ? strings.map(lower) : strings };
}

/**
 * One comparison, or a range: a lower bound (`>`/`>=`) then an upper bound (`<`/`<=`) strictly above it. Ruler
 * refuses every other shape (`["<", 5, ">", 0]`, `["=", 1, "<", 2]`, three comparisons), so Floe does too.
 */
function parseNumeric(argument: unknown, path: string): NumericComparison[] {
  if (!Array.isArray(argument) || argument.length === 0) {
    return fail(path, `numeric needs an operator and a number, ${NUMERIC_EXAMPLE}`);
  }
  if (argument.length !== 2 && argument.length !== 4) {
    fail(path, `numeric takes one comparison or a range of two, ${NUMERIC_EXAMPLE}`);
  }
  const comparisons: NumericComparison[] = [];
  for (let index = 0; index < argument.length; index += 2) {
    const operator: unknown = argument[index];
    const value: unknown = argument[index + 1];
    if (typeof operator !== 'string')
      fail(path, `numeric needs an operator and a number, ${NUMERIC_EXAMPLE}`);
    if (!isNumericOperator(operator))
      fail(path, `numeric: unknown operator ${show(operator)}; use <, <=, =, > or >=`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(path, `numeric: ${operator} needs a number, got ${show(value)}`);
    }
    checkNumber(value, path, 'numeric:');
    comparisons.push({ operator, value });
  }
  const [lower, upper] = comparisons as [NumericComparison, NumericComparison?];
  if (upper) {
    if (
      (lower.operator !== '>' && lower.operator !== '>=') ||
      (upper.operator !== '<' && upper.operator !== '<=')
    ) {
      fail(path, 'numeric: a range is a lower bound (> or >=) followed by an upper bound (< or <=)');
    }
    if (lower.value >= upper.value) fail(path, 'numeric: the lower bound must be below the upper bound');
  }
  return comparisons;
}

/** Ruler refuses /32 and /128 (a single address is matched as a plain string instead), and so does Floe. */
function parseCidr(text: string, path: string): CidrBlock {
  const parts = text.split('/');
  if (parts.length !== 2)
    fail(path, `cidr ${show(text)}: needs one "/" between address and mask bits, e.g. "10.0.0.0/24"`);
  const [address = '', bits = ''] = parts;
  if (!/^\d+$/.test(bits)) fail(path, `cidr ${show(text)}: mask bits must be a whole number`);
  const ip = parseIpAddress(address);
  if (!ip) return fail(path, `cidr ${show(text)}: ${show(address)} is not an IPv4 or IPv6 address`);
  const size = addressBits(ip.version);
  if (Number(bits) >= size) {
    fail(
      path,
      `cidr ${show(text)}: IPv${ip.version} mask bits must be below ${size}; match one address as a string`,
    );
  }
  return cidrBlock(ip, Number(bits));
}
