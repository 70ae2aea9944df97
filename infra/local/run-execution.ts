/**
 * Runs, locally: the in-process mailbox feeding each run's consumer, the NodeMachine in the local interpreter
 * dispatching node executions, and steps as sandboxed child processes with their logs on disk (a lambda
 * step's module as a child process too, its output in the same log). The handlers
 * post to the same mailbox (registered for them in this process), so HTTP requests and node results reach a
 * run the same way as in AWS.
 */
import type { JobSpec } from '../../shared/engine/run/model.ts';
import { timeoutSecondsOf } from '../../shared/machines/node-machine.ts';
import type { EventBus } from '../../shared/runtime/events.ts';
import { jobLogPath } from '../../shared/runtime/local-log-store.ts';
import { registerLocalMailbox } from '../../shared/runtime/mailbox-from-env.ts';
import { registerLocalTaskTokens } from '../../shared/runtime/task-tokens-from-env.ts';
import { CacheChecker } from '../../shared/services/cache-check.ts';
import { type ArtifactReader, RunEngine } from '../../shared/services/run-engine.ts';
import { ArtifactEventRepository } from '../../shared/store/artifact-events.ts';
import { AttemptRepository } from '../../shared/store/attempts.ts';
import type { TableRef } from '../../shared/store/client.ts';
import { FileSystemRepository } from '../../shared/store/filesystems.ts';
import { RunCacheRepository } from '../../shared/store/run-caches.ts';
import { RunRepository } from '../../shared/store/runs.ts';
import { invokeLambda } from './executor/lambda-invoke.ts';
import { LauncherProcess } from './executor/launcher.ts';
import { newestModTime } from './executor/mod-times.ts';
import { runJob } from './executor/process-executor.ts';
import { readArtifacts } from './executor/read-artifacts.ts';
import { LocalMailbox } from './local-mailbox.ts';
import { NodeMachineRunner } from './node-machine-runner.ts';
import { resumeUnfinishedRuns } from './run-recovery.ts';

export interface LocalRunExecution {
  close(): Promise<void>;
}

export async function startRunExecution(
  table: TableRef,
  dataDir: string,
  events: EventBus,
  onError: (error: unknown) => void,
): Promise<LocalRunExecution> {
  const runs = new RunRepository(table);
  const fileSystems = new FileSystemRepository(table);
  const mailbox = new LocalMailbox(runs, onError);

  /**
   * A local fs's root is its directory on this machine (`local://<path>`, kept as the record's subPath). Read
   * once per run and fs: a run keeps the file systems it started with, for its jobs, its cache checks and its
   * artifact reads alike. Undefined when the fs is gone or no longer local.
   */
  const roots = new Map<string, string>();
  async function localRoot(runId: string, fsId: string): Promise<string | undefined> {
    const cacheKey = `${runId}/${fsId}`;
    let root = roots.get(cacheKey);
    if (root === undefined) {
      const fs = await fileSystems.get(fsId);
      if (fs?.type !== 'local') return undefined;
      root = fs.subPath;
      roots.set(cacheKey, root);
    }
    return root;
  }
  async function hostRoots(job: JobSpec): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    for (const mount of job.mounts) {
      const root = await localRoot(job.runId, mount.id);
      if (root === undefined) throw new Error(`fs[${mount.name}] (${mount.id}) no longer exists here`);
      result[mount.id] = root;
    }
    return result;
  }

  // Modification times are read on the run's own fs roots, the ones its jobs run on.
  const cacheChecker = new CacheChecker({
    runs,
    caches: new RunCacheRepository(table),
    modTimes: {
      async newest(runId, fsId, path) {
        const root = await localRoot(runId, fsId);
        if (root === undefined) throw new Error(`fs ${fsId} is not a local fs of this machine`);
        return newestModTime(root, path);
      },
    },
  });

  const launcher = new LauncherProcess();
  const runner = new NodeMachineRunner({
    mailbox,
    onError,
    checkCache: ({ job, since }) => cacheChecker.check(job, since),
    async runJob(job, signal) {
      // The data directory holds the table and the secrets: a step never sees it (a fs inside it still mounts).
      const logFile = jobLogPath(dataDir, job.runId, job.jobId);
      return runJob(job, { hostRoots: await hostRoots(job), logFile, signal, hide: [dataDir], launcher });
    },
    async invokeLambda(job, signal) {
      const logFile = jobLogPath(dataDir, job.runId, job.jobId);
      const timeoutSeconds = timeoutSecondsOf(job);
      return invokeLambda(job, { hostRoots: await hostRoots(job), logFile, signal, timeoutSeconds });
    },
  });

  const artifacts: ArtifactReader = {
    async read(run, paths, limit) {
      const mainFs = run.context.mainFs;
      if (!mainFs) return { contents: {}, error: 'the run has no main fs to read artifacts from' };
      const root = await localRoot(run.id, mainFs.id);
      if (root === undefined) return { contents: {}, error: `fs[${mainFs.name}] no longer exists` };
      return readArtifacts(root, paths, limit);
    },
  };

  const engine = new RunEngine({
    runs,
    attempts: new AttemptRepository(table),
    artifactEvents: new ArtifactEventRepository(table),
    dispatcher: runner,
    mailbox,
    artifacts,
    events,
  });
  mailbox.connect(engine);
  registerLocalMailbox(mailbox);
  registerLocalTaskTokens(runner.tokens);
  await resumeUnfinishedRuns(runs, mailbox, new Date());

  return {
    async close() {
      registerLocalMailbox(undefined);
      registerLocalTaskTokens(undefined);
      await mailbox.close();
      await runner.close();
      launcher.close();
    },
  };
}
