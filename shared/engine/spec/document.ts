/**
 * From text to a plain document. PaddleFlow turns YAML into JSON and then into a generic map, skipping null
 * values; so does this. YAML 1.2's core schema is used (`yes` is a string, as Go's JSON step leaves it).
 */
import { parse } from 'yaml';
import { isMap } from './aliases.ts';
import { SpecError } from './errors.ts';

/** Drops null values at every depth, as PaddleFlow's parser skips them. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(withoutNulls);
  if (!isMap(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, inner]) => inner !== null && inner !== undefined)
      .map(([key, inner]) => [key, withoutNulls(inner)]),
  );
}

export function readYamlDocument(text: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = parse(text, { uniqueKeys: true, maxAliasCount: 1000 });
  } catch (error) {
    throw new SpecError(`pipeline yaml is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isMap(document))
    throw new SpecError('pipeline yaml must be a map with name and entry_points at the top level');
  return withoutNulls(document) as Record<string, unknown>;
}
