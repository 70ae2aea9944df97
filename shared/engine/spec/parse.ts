import { parse } from 'yaml';
import { SpecError } from './errors.ts';
import type { PipelineSpec } from './model.ts';

/** Interim: reads the name only; the full validator replaces this body. */
export function parsePipelineYaml(text: string): PipelineSpec {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new SpecError(`pipeline yaml is not valid YAML: ${(error as Error).message}`);
  }
  const name = (document as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name === '') throw new SpecError('pipeline name is required');
  return { name };
}
