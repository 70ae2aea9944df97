/** Modification times for the run cache's second fingerprint, on a real directory tree. */
import { lutimesSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsPathError } from '../../../infra/local/executor/fs-paths.ts';
import { newestModTime } from '../../../infra/local/executor/mod-times.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000);
const nanos = (seconds: number) => BigInt(at(seconds).getTime()) * 1_000_000n;

function tree() {
  const root = mkdtempSync(join(tmpdir(), 'floe-mtimes-'));
  mkdirSync(join(root, 'data/deep'), { recursive: true });
  writeFileSync(join(root, 'data/a.txt'), 'a');
  writeFileSync(join(root, 'data/deep/b.txt'), 'b');
  utimesSync(join(root, 'data/a.txt'), at(10), at(10));
  utimesSync(join(root, 'data/deep/b.txt'), at(20), at(20));
  utimesSync(join(root, 'data/deep'), at(5), at(5));
  utimesSync(join(root, 'data'), at(5), at(5));
  return root;
}

describe('newestModTime', () => {
  it('reads a file’s own time in nanoseconds', async () => {
    expect(await newestModTime(tree(), 'data/a.txt')).toBe(nanos(10));
    expect(await newestModTime(tree(), '/data/a.txt')).toBe(nanos(10));
  });

  it('takes the newest time anywhere below a directory, so a change deep inside counts', async () => {
    const root = tree();
    expect(await newestModTime(root, 'data')).toBe(nanos(20));
    utimesSync(join(root, 'data/deep/b.txt'), at(30), at(30));
    expect(await newestModTime(root, 'data')).toBe(nanos(30));
  });

  it('does not follow a link out of the fs, and refuses paths that leave it', async () => {
    const root = tree();
    const outside = mkdtempSync(join(tmpdir(), 'floe-outside-'));
    writeFileSync(join(outside, 'new.txt'), 'x');
    utimesSync(join(outside, 'new.txt'), at(1_000), at(1_000));
    symlinkSync(outside, join(root, 'data/link'));
    lutimesSync(join(root, 'data/link'), at(25), at(25));
    utimesSync(join(root, 'data'), at(5), at(5));
    // The link itself counts (lstat), not what it points at.
    expect(await newestModTime(root, 'data')).toBe(nanos(25));
    await expect(newestModTime(root, 'data/link')).rejects.toBeInstanceOf(FsPathError);
    await expect(newestModTime(root, '../etc')).rejects.toBeInstanceOf(FsPathError);
  });

  it('says which path does not exist', async () => {
    await expect(newestModTime(tree(), 'data/none.txt')).rejects.toThrow(
      'path "data/none.txt" does not exist',
    );
  });
});
