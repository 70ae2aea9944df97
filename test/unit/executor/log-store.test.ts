import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobLogPath, LocalLogStore } from '../../../shared/runtime/local-log-store.ts';

describe('the local log store', () => {
  it('keeps a job attempt log at <dataDir>/logs/<runId>/<jobId>.log', () => {
    expect(jobLogPath('/data', 'run-000001', 'job-run-000001-a-0123abcd')).toBe(
      '/data/logs/run-000001/job-run-000001-a-0123abcd.log',
    );
  });

  it('refuses ids that are not plain names', () => {
    for (const [run, job] of [
      ['..', 'job'],
      ['run-1', '../x'],
      ['run-1/a', 'job'],
      ['', 'job'],
      ['run-1', '.hidden'],
    ] as const) {
      expect(() => jobLogPath('/data', run, job)).toThrow(/invalid run or job id/);
    }
  });

  it('reads the log text, and null when there is none', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'floe-logs-'));
    const path = jobLogPath(dataDir, 'run-000001', 'job-1');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'line 1\nline 2\n');
    const store = new LocalLogStore(dataDir);
    expect(await store.read('run-000001', 'job-1')).toBe('line 1\nline 2\n');
    expect(await store.read('run-000001', 'job-2')).toBeNull();
    expect(await store.read('run-000002', 'job-1')).toBeNull();
    expect(await store.read('run-000001', '../run-000001/job-1')).toBeNull();
  });
});
