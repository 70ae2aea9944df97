/** Writes docs/pipeline.schema.json from the parser's own definitions (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineJsonSchema } from '../shared/engine/spec/index.ts';

export const SCHEMA_PATH = join(import.meta.dirname, '..', 'docs', 'pipeline.schema.json');

export const renderSchema = () => `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;

if (process.argv[1] === import.meta.filename) {
  writeFileSync(SCHEMA_PATH, renderSchema());
  console.log(`wrote ${SCHEMA_PATH}`);
}
