/**
 * Paths of a file system, as PaddleFlow's artifacts name them: relative to the fs root (a leading `/` or `./`
 * means the root too). Nothing may lead out of the root, neither through `..` nor through a symbolic link: the
 * fs belongs to the user, whose steps can put links in it.
 */
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';

export class FsPathError extends Error {
  override name = 'FsPathError';
}

/** `target` is `root` or lies under it. */
export const inside = (root: string, target: string) => {
  const rel = relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
};

/** The host path of an fs path, lexically: throws for `..`. */
export function hostPath(root: string, fsPath: string): string {
  if (fsPath.split('/').includes('..')) throw new FsPathError(`path "${fsPath}" must not contain ".."`);
  const path = join(root, fsPath.replace(/^\/+/, ''));
  if (!inside(root, path)) throw new FsPathError(`path "${fsPath}" leads outside the file system`);
  return path;
}

/**
 * Throws unless the deepest existing directory on the way to `path` (included) lies inside `root` once
 * symbolic links are followed: what is created or removed at `path` then stays in the fs. Returns the real
 * root.
 */
export async function assertStaysInside(root: string, path: string, fsPath: string): Promise<string> {
  const realRoot = await realpath(root);
  let existing = path;
  let real: string | undefined;
  while (real === undefined) {
    try {
      real = await realpath(existing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = dirname(existing);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === existing) throw error;
      existing = parent;
    }
  }
  if (!inside(realRoot, real)) {
    throw new FsPathError(`path "${fsPath}" leads outside the file system through a symbolic link`);
  }
  return realRoot;
}
