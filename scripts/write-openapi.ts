/**
 * Writes docs/openapi.json from the document the server serves (shared/openapi), formatted as Biome formats
 * the repository's JSON (`npm run openapi`). test/unit/openapi.test.ts fails when the file is stale.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument } from '../shared/openapi/document.ts';

const repositoryRoot = join(import.meta.dirname, '..');

export const OPENAPI_PATH = join(repositoryRoot, 'docs', 'openapi.json');

if (process.argv[1] === import.meta.filename) {
  writeFileSync(OPENAPI_PATH, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
  execFileSync(join(repositoryRoot, 'node_modules', '.bin', 'biome'), ['format', '--write', OPENAPI_PATH], {
    cwd: repositoryRoot,
    stdio: 'inherit',
  });
  console.log(`wrote ${OPENAPI_PATH}`);
}
