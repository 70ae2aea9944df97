/**
 * Modification times for the run cache's second fingerprint (§4.5): the newest change under an fs path. A
 * directory counts with everything below it (a file edited deep inside an `fs_scope` must invalidate the
 * cache), read without following symbolic links, so a link cannot lead the walk out of the fs or round in
 * a circle. A missing path is an error: a cache key over something absent would match nothing it should.
 */
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { assertStaysInside, FsPathError, hostPath } from './fs-paths.ts';

/** How many entries one path may have below it before the walk gives up (the step then runs uncached). */
export const MAX_WALKED_ENTRIES = 100_000;

async function newestBelow(path: string, budget: { left: number }): Promise<bigint> {
  const stat = await lstat(path, { bigint: true });
  let newest = stat.mtimeNs;
  if (!stat.isDirectory()) return newest;
  const dir = await opendir(path);
  for await (const entry of dir) {
    if (--budget.left < 0) throw new FsPathError(`more than ${MAX_WALKED_ENTRIES} entries to read times of`);
    const below = await newestBelow(join(path, entry.name), budget);
    if (below > newest) newest = below;
  }
  return newest;
}

/** The newest modification time (Unix nanoseconds) at or below `fsPath` of the fs rooted at `root`. */
export async function newestModTime(root: string, fsPath: string): Promise<bigint> {
  const path = hostPath(root, fsPath);
  await assertStaysInside(root, path, fsPath);
  try {
    return await newestBelow(path, { left: MAX_WALKED_ENTRIES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new FsPathError(`path "${fsPath}" does not exist`);
    throw error;
  }
}
