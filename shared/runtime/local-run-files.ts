/**
 * Run artifacts on a `local://` file system: a directory on the machine that runs the steps. Deleting a run
 * removes `.pipeline/<runID>` under the fs root (PaddleFlow: relative to the fs root, not its sub_path).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunFiles } from '../services/runs.ts';
import type { FileSystemRecord } from '../store/filesystems.ts';

const RUN_ID = /^run-\d+$/;

export const localRunFiles: RunFiles = {
  async removeRunArtifacts(fs: FileSystemRecord, runId: string) {
    // The id is checked so that no value could make the path leave `.pipeline`.
    if (fs.type !== 'local' || !RUN_ID.test(runId)) return;
    await rm(join(fs.subPath, '.pipeline', runId), { recursive: true, force: true });
  },
};
