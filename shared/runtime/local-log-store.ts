/**
 * The local LogStore: one file per job attempt, `<dataDir>/logs/<runId>/<jobId>.log`, which the process
 * executor appends the job's stdout and stderr to.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogStore } from './ports.ts';

/** Run and job ids are generated names; anything else (a path, `..`) never names a log. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const validId = (id: string) => ID.test(id) && !id.includes('..');

/** Where a job attempt's log is kept. Throws for ids that are not plain names. */
export function jobLogPath(dataDir: string, runId: string, jobId: string): string {
  if (!validId(runId) || !validId(jobId)) {
    throw new Error(`invalid run or job id for a log path: "${runId}", "${jobId}"`);
  }
  return join(dataDir, 'logs', runId, `${jobId}.log`);
}

export class LocalLogStore implements LogStore {
  readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  async read(runId: string, jobId: string): Promise<string | null> {
    if (!validId(runId) || !validId(jobId)) return null;
    try {
      return await readFile(jobLogPath(this.dataDir, runId, jobId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}
