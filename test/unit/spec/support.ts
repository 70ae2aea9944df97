import { expect } from 'vitest';
import { stringify } from 'yaml';
import {
  type ParseOptions,
  type PipelineSpec,
  parsePipelineYaml,
  SpecError,
} from '../../../shared/engine/spec/index.ts';

export type Doc = Record<string, unknown>;

/** The smallest pipeline PaddleFlow accepts, with a main fs so artifacts are allowed. */
export const base = (entryPoints: Doc = { a: { command: 'echo a' } }, extra: Doc = {}): Doc => ({
  name: 'demo',
  docker_env: 'python:3.12',
  entry_points: entryPoints,
  fs_options: { main_fs: { name: 'data' } },
  ...extra,
});

export const accept = (doc: Doc | string, options?: ParseOptions): PipelineSpec =>
  parsePipelineYaml(typeof doc === 'string' ? doc : stringify(doc), options);

export function reject(doc: Doc | string, message: RegExp, options?: ParseOptions) {
  let error: unknown;
  try {
    accept(doc, options);
  } catch (caught) {
    error = caught;
  }
  expect(error, `expected a SpecError matching ${message}`).toBeInstanceOf(SpecError);
  expect((error as Error).message).toMatch(message);
}
