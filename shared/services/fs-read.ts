/**
 * Reading a pipeline's YAML out of a file system (PaddleFlow's `handler.ReadFileFromFs`). Only a local fs can
 * be read here: it is a directory on the machine that runs Floe and its steps. Reading s3, hdfs and the
 * others needs their clients, which this server does not have yet.
 * The path is relative to the fs root (`./run.yaml`; a leading `/` means the root too). Nothing outside the
 * root can be read, neither through `..` nor through a symbolic link that points out of it.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { PfError } from '../errors.ts';
import type { FileSystemRecord } from '../store/filesystems.ts';

/** Pipeline YAML is small; anything larger is not one, and is not read into memory. */
export const MAX_READ_BYTES = 1024 * 1024;

const failed = (fs: FileSystemRecord, path: string, why: string) =>
  new PfError('ReadYamlFileFailed', `read file[${path}] from fs[${fs.name}] failed: ${why}`);

const inside = (root: string, target: string) => {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

export async function readLocalFile(fs: FileSystemRecord, path: string): Promise<string> {
  if (fs.type !== 'local') {
    throw failed(fs, path, `reading from ${fs.type} file systems is not supported by this server yet`);
  }
  const lexical = join(fs.subPath, path.replace(/^\/+/, ''));
  if (!inside(fs.subPath, lexical)) throw failed(fs, path, 'the path leads outside the file system');

  let root: string;
  let target: string;
  try {
    root = await realpath(fs.subPath);
    target = await realpath(lexical);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw failed(fs, path, 'no such file');
    throw failed(fs, path, (error as Error).message);
  }
  if (!inside(root, target)) throw failed(fs, path, 'the path leads outside the file system');

  // Non-blocking, so that a FIFO is refused rather than waited on; no-follow, so that a link swapped in since
  // realpath is refused rather than followed.
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;
  const file = await open(target, flags).catch((error: NodeJS.ErrnoException) => {
    throw failed(fs, path, error.code === 'EISDIR' ? 'it is a directory' : error.message);
  });
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw failed(fs, path, 'it is not a regular file');
    if (stat.size > MAX_READ_BYTES) throw failed(fs, path, `it is larger than ${MAX_READ_BYTES} bytes`);
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}
