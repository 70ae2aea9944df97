import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArtifacts } from '../../../infra/local/executor/read-artifacts.ts';

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'floe-artifacts-'));
  root = join(base, 'root');
  mkdirSync(join(root, '.pipeline', 'run-1', 'step'), { recursive: true });
  writeFileSync(join(root, '.pipeline', 'run-1', 'step', 'num'), '42');
  writeFileSync(join(root, 'exact'), 'a'.repeat(1024));
  writeFileSync(join(root, 'over'), 'a'.repeat(1025));
  writeFileSync(join(root, 'utf8'), '[1, "é"]');
  writeFileSync(join(base, 'secret'), 'outside');
  symlinkSync(join(base, 'secret'), join(root, 'escape'));
  symlinkSync(join(root, 'exact'), join(root, 'inside-link'));
});

describe('reading artifacts', () => {
  it('reads files up to the limit, by fs path', async () => {
    const paths = ['.pipeline/run-1/step/num', '/exact', './utf8', 'inside-link'];
    expect(await readArtifacts(root, paths, 1024)).toEqual({
      contents: {
        '.pipeline/run-1/step/num': '42',
        '/exact': 'a'.repeat(1024),
        './utf8': '[1, "é"]',
        'inside-link': 'a'.repeat(1024),
      },
    });
  });

  it('refuses a file over the limit', async () => {
    const read = await readArtifacts(root, ['over', '.pipeline/run-1/step/num'], 1024);
    expect(read.contents).toEqual({ over: null, '.pipeline/run-1/step/num': '42' });
    expect(read.error).toBe(
      'read artifact[over] failed: its size 1025 bytes is over the limit of 1024 bytes',
    );
  });

  it('says which files are missing or not files', async () => {
    const read = await readArtifacts(root, ['missing', '.pipeline'], 1024);
    expect(read.contents).toEqual({ missing: null, '.pipeline': null });
    expect(read.error).toBe(
      'read artifact[missing] failed: no such file; read artifact[.pipeline] failed: it is a directory',
    );
  });

  it('reads nothing outside the fs root', async () => {
    const read = await readArtifacts(root, ['../secret', 'a/../../secret', 'escape'], 1 << 20);
    expect(read.contents).toEqual({ '../secret': null, 'a/../../secret': null, escape: null });
    expect(read.error).toContain('read artifact[../secret] failed: path "../secret" must not contain ".."');
    expect(read.error).toContain('read artifact[escape] failed: it leads outside the file system');
    expect(read.error).not.toContain('outside\n');
  });
});
