import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PfError } from '../../shared/errors.ts';
import { MAX_READ_BYTES, readLocalFile } from '../../shared/services/fs-read.ts';
import type { FileSystemRecord } from '../../shared/store/filesystems.ts';

let base: string;
let fs: FileSystemRecord;

const record = (type: string, subPath: string): FileSystemRecord => ({
  id: 'fs-alice-data',
  name: 'data',
  username: 'alice',
  type,
  serverAddress: '',
  subPath,
  properties: {},
  independentMountProcess: false,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  incarnation: 'i',
  version: 1,
});

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'floe-fs-read-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'run.yaml'), 'name: x\n');
  writeFileSync(join(root, 'sub', 'a.yaml'), 'name: a\n');
  writeFileSync(join(base, 'outside.yaml'), 'secret: 1\n');
  writeFileSync(join(root, 'big.yaml'), Buffer.alloc(MAX_READ_BYTES + 1, 'a'));
  symlinkSync(join(base, 'outside.yaml'), join(root, 'escape.yaml'));
  symlinkSync(join(root, 'sub', 'a.yaml'), join(root, 'inside.yaml'));
  fs = record('local', root);
});

async function failure(path: string, target = fs): Promise<PfError> {
  const error = await readLocalFile(target, path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PfError);
  expect((error as PfError).code).toBe('ReadYamlFileFailed');
  expect((error as PfError).status).toBe(400);
  expect((error as PfError).message).toContain(`file[${path}]`);
  return error as PfError;
}

describe('reading a file of a local fs', () => {
  it.each(['./run.yaml', 'run.yaml', '/run.yaml', 'sub/../run.yaml'])(
    'reads %j relative to the fs root',
    async (path) => {
      expect(await readLocalFile(fs, path)).toBe('name: x\n');
    },
  );

  it('follows a symbolic link that stays inside the root', async () => {
    expect(await readLocalFile(fs, 'inside.yaml')).toBe('name: a\n');
  });

  it('refuses .. out of the root and a symbolic link out of it', async () => {
    expect((await failure('../outside.yaml')).message).toContain('outside the file system');
    expect((await failure('./sub/../../outside.yaml')).message).toContain('outside the file system');
    expect((await failure('escape.yaml')).message).toContain('outside the file system');
  });

  it('says so for a missing file, a directory and a file too large', async () => {
    expect((await failure('./missing.yaml')).message).toContain('no such file');
    expect((await failure('sub')).message).toContain('not a regular file');
    expect((await failure('big.yaml')).message).toContain('larger than');
  });

  it('says reading other file systems is not supported yet', async () => {
    const error = await failure('./run.yaml', record('s3', '/bucket-path'));
    expect(error.message).toContain('reading from s3 file systems is not supported by this server yet');
  });
});
