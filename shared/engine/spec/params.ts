/**
 * Parameter values (§3.2): a number, a string, a list without templates, or a typed dict param
 * `{type, default}` whose value must fit its type. PaddleFlow's `list` type accepts no YAML list at all (its
 * check compares against Go's typed slices); Floe accepts a list, which is what the type promises.
 */

import { isMap } from './aliases.ts';
import { SpecError } from './errors.ts';
import type { ParamType, ParamValue } from './model.ts';
import { templatesIn } from './templates.ts';

export interface DictParam {
  type: ParamType;
  default?: unknown;
}

export const isDictParam = (value: unknown): value is DictParam => isMap(value) && 'type' in value;

const PATH_VALUE = /^[.a-zA-Z0-9/_-]+$/;

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isMap(value)) return 'a map';
  if (typeof value === 'string') return `the string "${value}"`;
  return `${typeof value} ${String(value)}`;
}

/** Lists hold numbers, strings (no templates) and lists of those. */
export function checkListValue(list: unknown[], what: string) {
  for (const item of list) {
    if (typeof item === 'number') continue;
    if (typeof item === 'string') {
      if (templatesIn(item).length > 0) {
        throw new SpecError(
          `${what} is a list with the template [${item}]; templates are not allowed inside lists`,
        );
      }
      continue;
    }
    if (Array.isArray(item)) {
      checkListValue(item, what);
      continue;
    }
    throw new SpecError(
      `${what} is a list holding ${describe(item)}; list items may be numbers, strings or lists`,
    );
  }
}

/** Checks `value` (or the default when `value` is absent) against a dict param's type; returns the value. */
export function checkDictValue(dict: DictParam, value: unknown, what: string): ParamValue {
  const chosen = value === undefined || value === '' ? dict.default : value;
  if (chosen === undefined || chosen === '') {
    throw new SpecError(
      `${what} is a ${dict.type} param with no default: give it a default, or a value when running`,
    );
  }
  const wrong = (expected: string) =>
    new SpecError(
      `${what} is a ${dict.type} param, so its value must be ${expected}, not ${describe(chosen)}`,
    );
  switch (dict.type) {
    case 'string':
      if (typeof chosen !== 'string') throw wrong('a string');
      return chosen;
    case 'float':
      if (typeof chosen !== 'number') throw wrong('a number');
      return chosen;
    case 'int':
      if (typeof chosen !== 'number' || !Number.isInteger(chosen)) throw wrong('an integer');
      return chosen;
    case 'list':
      if (!Array.isArray(chosen)) throw wrong('a list');
      checkListValue(chosen, what);
      return chosen as ParamValue;
    case 'path':
      if (typeof chosen !== 'string') throw wrong('a path string');
      if (!PATH_VALUE.test(chosen)) {
        throw new SpecError(
          `${what} is a path param, and [${chosen}] is not a path: it must match ${PATH_VALUE.source}`,
        );
      }
      return chosen;
  }
}

/** The plain value of a parameter as the YAML (or an override) gives it; templates are checked elsewhere. */
export function checkParamValue(value: unknown, what: string): ParamValue | undefined {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (Array.isArray(value)) {
    checkListValue(value, what);
    return value as ParamValue;
  }
  if (isDictParam(value)) return checkDictValue(value, undefined, what);
  throw new SpecError(
    `${what} is ${describe(value)}; a parameter is a number, a string, a list or {type, default}`,
  );
}
