import type * as z from 'zod/mini';
import { PfError } from '../errors.ts';

/**
 * Request bodies, read the way PaddleFlow's Go server reads them: field names match case-insensitively (the
 * SDK sends `fsname` for `fsName`), an exact match beats a case-insensitive one, unknown fields are ignored,
 * and a value of the wrong type is 400 MalformedJSON naming the field.
 * Schemas are zod/mini: the full zod would add ~440 KB to every bundle.
 */

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Renames the body's keys to the expected field names, case-insensitively; drops keys no field claims. */
export function canonicalKeys(
  body: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  const byLowerCase = new Map(fields.map((field) => [field.toLowerCase(), field]));
  const result: Record<string, unknown> = {};
  const exact = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    const field = byLowerCase.get(key.toLowerCase());
    if (!field || exact.has(field)) continue;
    result[field] = value;
    if (key === field) exact.add(field);
  }
  return result;
}

const typeName = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  const field = issue.path.join('.');
  if (issue.code === 'invalid_type') {
    const actual = issue.path.reduce<unknown>(
      (value, key) => (value as Record<PropertyKey, unknown>)?.[key],
      input,
    );
    return `field [${field}] must be ${issue.expected === 'array' ? 'an' : 'a'} ${issue.expected}, got ${typeName(actual)}`;
  }
  return `field [${field}] is invalid: ${issue.message}`;
}

export function readBody<Shape extends z.core.$ZodLooseShape>(
  schema: z.ZodMiniObject<Shape>,
  body: unknown,
): z.infer<z.ZodMiniObject<Shape>> {
  if (body === undefined)
    throw new PfError('MalformedJSON', 'request body is empty; a JSON object is required');
  if (!isPlainObject(body))
    throw new PfError('MalformedJSON', `request body must be a JSON object, got ${typeName(body)}`);
  const input = canonicalKeys(body, Object.keys(schema.shape));
  const result = schema.safeParse(input);
  if (!result.success) throw new PfError('MalformedJSON', describeIssue(result.error.issues[0]!, input));
  return result.data;
}

/** One field of a body, matched case-insensitively; undefined when the body is not an object. */
export function bodyField(body: unknown, field: string): unknown {
  return isPlainObject(body) ? canonicalKeys(body, [field])[field] : undefined;
}
