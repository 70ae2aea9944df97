/**
 * Reading artifact files of the main fs for the engine: a condition's operands (PaddleFlow reads < 1 KB) and a
 * loop argument (< 1 MB). A file that is missing, not a regular file, larger than the limit or outside the fs
 * reads as null, and the reasons are put together in `error`: the shape of the engine's `artifactsRead` event.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { FsPathError, hostPath, inside } from './fs-paths.ts';

export interface ArtifactsRead {
  /** Content by fs path; null when it could not be read. */
  contents: Record<string, string | null>;
  /** Why some could not be read, one sentence per path; absent when all were. */
  error?: string;
}

async function readOne(root: string, fsPath: string, limit: number): Promise<string> {
  const lexical = hostPath(root, fsPath);
  let realRoot: string;
  let target: string;
  try {
    realRoot = await realpath(root);
    target = await realpath(lexical);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new FsPathError('no such file');
    throw error;
  }
  if (!inside(realRoot, target)) throw new FsPathError('it leads outside the file system');

  // Non-blocking, so that a FIFO is refused rather than waited on; no-follow, so that a link swapped in since
  // realpath is refused rather than followed.
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;
  const file = await open(target, flags).catch((error: NodeJS.ErrnoException) => {
    throw new FsPathError(error.code === 'EISDIR' ? 'it is a directory' : error.message);
  });
  try {
    const stat = await file.stat();
    if (stat.isDirectory()) throw new FsPathError('it is a directory');
    if (!stat.isFile()) throw new FsPathError('it is not a regular file');
    if (stat.size > limit)
      throw new FsPathError(`its size ${stat.size} bytes is over the limit of ${limit} bytes`);
    // Read at most limit + 1 bytes: the file may have grown since stat.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > limit) throw new FsPathError(`its size is over the limit of ${limit} bytes`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await file.close();
  }
}

/** Read `paths` (fs paths relative to the main fs root `mainFsRoot`), each at most `limit` bytes. */
export async function readArtifacts(
  mainFsRoot: string,
  paths: string[],
  limit: number,
): Promise<ArtifactsRead> {
  const contents: Record<string, string | null> = {};
  const errors: string[] = [];
  for (const path of paths) {
    if (Object.hasOwn(contents, path)) continue;
    try {
      contents[path] = await readOne(mainFsRoot, path, limit);
    } catch (error) {
      contents[path] = null;
      errors.push(`read artifact[${path}] failed: ${(error as Error).message}`);
    }
  }
  return errors.length === 0 ? { contents } : { contents, error: errors.join('; ') };
}
