/**
 * Turns the first schema issue into PaddleFlow-style text that names the component and the field: the user
 * reads "step [train] has no attribute [comand]", not a zod dump.
 */
import type * as z from 'zod/mini';
import { SpecError } from './errors.ts';

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string')
    return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'number')
    return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  return `the ${typeof value} ${String(value)}`;
}

const expectedText: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
};

function fieldOf(path: readonly PropertyKey[]): string {
  return path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
    .join('')
    .replace(/^\./, '');
}

function issueMessage(issue: z.core.$ZodIssue, where: string): string {
  const field = fieldOf(issue.path);
  const at = field ? `[${field}] of ${where}` : where;
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${at} has no attribute [${issue.keys.join(', ')}]`;
    case 'invalid_type':
      if (input === undefined) return `${at} is required`;
      return `${at} should be ${expectedText[issue.expected] ?? issue.expected}, not ${describe(input)}`;
    case 'invalid_value':
      return `${at} should be one of [${issue.values.map(String).join(', ')}], not ${describe(input)}`;
    case 'invalid_union':
      return `${at} should be ${issue.message}, not ${describe(input)}`;
    default:
      return `${at} is invalid: ${issue.message}`;
  }
}

/** Parses `value` with `schema`, or throws SpecError for its first issue. */
export function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data as z.infer<S>;
  throw new SpecError(issueMessage(result.error.issues[0]!, where));
}
