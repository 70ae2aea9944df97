import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderSchema, SCHEMA_PATH } from '../../../scripts/write-pipeline-schema.ts';
import { pipelineJsonSchema } from '../../../shared/engine/spec/index.ts';
import { base } from './support.ts';

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(pipelineJsonSchema());
const fixture = parse(readFileSync(join(import.meta.dirname, 'fixtures/dag-pipeline.yaml'), 'utf8'));

describe('the published JSON Schema', () => {
  it('is the one generated from the parser definitions (run `npm run schema` after changing them)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderSchema());
  });

  it('accepts a pipeline using every construct', () => {
    expect(validate(fixture), JSON.stringify(validate.errors)).toBe(true);
  });

  it('flags what the parser refuses structurally, at any depth', () => {
    expect(validate(base({ a: { comand: 'x' } }))).toBe(false);
    expect(validate(base({ d: { entry_points: { x: { command: 1 } } } }))).toBe(false);
    expect(validate({ name: 'demo' })).toBe(false);
    expect(validate(base(undefined, { failure_options: { strategy: 'retry' } }))).toBe(false);
  });
});
