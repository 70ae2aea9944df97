/**
 * One Floe per data directory: a second process would fail deep inside LevelDB. A `floe.pid` file, made with
 * `wx`, says who holds the directory; a file left by a process that no longer runs is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the data directory ${dataDir} is in use by another Floe (process ${pid}); stop it or set FLOE_DATA_DIR`,
    );
    this.name = 'DataDirInUseError';
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory for this process; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'floe.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(file, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
      throw new DataDirInUseError(dataDir, holder);
    }
    rmSync(file, { force: true }); // left behind by a process that is gone
  }
  throw new Error(`could not take ${file}`);
}
