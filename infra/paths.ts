import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the shared route table's entries and the npm lock file are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const fromRepoRoot = (path: string) => join(REPO_ROOT, path);
