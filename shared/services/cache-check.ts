/**
 * The run cache's check (§4.5), made by a NodeMachine execution before it runs a job whose step has the
 * cache on. It reads the second fingerprint (modification times of the inputs and the `fs_scope`), looks for
 * an earlier job with both fingerprints on the same fs and source, and answers:
 * - `hit`: that job ended succeeded or failed; the execution reports its result as this job's, and the run
 *   it came from lists this run in `runCachedIDs`;
 * - `wait`: that job is still going; the execution waits and asks again (PaddleFlow polls every 3 s);
 * - `miss`: nothing to reuse; the job runs, and a cache row for it is written now (PaddleFlow: at job start).
 * A check that cannot read the times is a miss without a row: the job runs, as it would with no cache.
 */
import { splitCommaList } from '../engine/comma-list.ts';
import { sha256Hex } from '../engine/run/ids.ts';
import type { JobCache, JobSpec, NodeStatus, RunEvent } from '../engine/run/model.ts';
import type { RunCacheRecord, RunCacheRepository } from '../store/run-caches.ts';
import type { RunHead, RunRepository } from '../store/runs.ts';

/** Reads modification times on a run's file systems. */
export interface ModTimes {
  /** The newest modification time (Unix nanoseconds) at or below `path` of fs `fsId`, as run `runId` sees it. */
  newest(runId: string, fsId: string, path: string): Promise<bigint>;
}

export type FinishedEvent = Extract<RunEvent, { type: 'finished' }>;

export type CacheVerdict =
  | { outcome: 'miss'; cacheId?: string; reason?: string }
  | { outcome: 'wait'; cacheId: string; waitSeconds: number }
  | { outcome: 'hit'; cacheId: string; event: FinishedEvent };

export interface CacheCheckDeps {
  runs: RunRepository;
  caches: RunCacheRepository;
  modTimes: ModTimes;
  now?: () => Date;
}

const ACTIVE: readonly NodeStatus[] = ['init', 'pending', 'running', 'terminating'];
/** A cached job still running is waited for this long at most (a container step's own limit); then we run. */
const MAX_CACHE_WAIT_SECONDS = 24 * 60 * 60;
const MIN_WAIT_SECONDS = 3;
const MAX_WAIT_SECONDS = 60;

/** PaddleFlow's 3 s at first, then a tenth of the time waited so far (up to a minute): a long wait costs few checks. */
const waitSecondsAfter = (waited: number) =>
  Math.min(MAX_WAIT_SECONDS, Math.max(MIN_WAIT_SECONDS, Math.floor(waited / 10)));

const unexpired = (row: RunCacheRecord, now: Date) =>
  row.expiredTime === '-1' || Date.parse(row.updatedAt) + Number(row.expiredTime) * 1000 > now.getTime();

export class CacheChecker {
  constructor(private readonly deps: CacheCheckDeps) {}

  /** Checks the cache for `job`, whose execution started at `since` (ISO). */
  async check(job: JobSpec, since: string): Promise<CacheVerdict> {
    const cache = job.cache;
    if (!cache) return { outcome: 'miss', reason: 'the step does not use the cache' };
    const now = this.deps.now?.() ?? new Date();
    const run = await this.deps.runs.head(job.runId);
    if (!run) return { outcome: 'miss', reason: `run ${job.runId} is gone` };
    let secondFp: string;
    try {
      secondFp = await this.secondFingerprint(job.runId, cache);
    } catch (error) {
      return { outcome: 'miss', reason: `cannot read modification times: ${(error as Error).message}` };
    }
    const waited = (now.getTime() - Date.parse(since)) / 1000;
    for (const row of await this.deps.caches.candidates(cache.firstFp, cache.mainFsId, run.source)) {
      // This job's own row: the check ran again after a miss (a retried invocation). Still a miss.
      if (row.runId === job.runId && row.jobId === job.jobId) return { outcome: 'miss', cacheId: row.id };
      if (row.secondFp !== secondFp || !unexpired(row, now)) continue;
      const cached = await this.deps.runs.node(row.runId, row.nodeKey);
      // A deleted run took its outputs with it: nothing to reuse there.
      if (!cached || cached.id !== row.jobId) continue;
      if (ACTIVE.includes(cached.status)) {
        if (waited >= MAX_CACHE_WAIT_SECONDS) break;
        return { outcome: 'wait', cacheId: row.id, waitSeconds: waitSecondsAfter(waited) };
      }
      if (cached.status !== 'succeeded' && cached.status !== 'failed') break;
      await this.deps.runs.addCachedBy(row.runId, job.runId);
      const event: FinishedEvent = {
        type: 'finished',
        key: job.key,
        attempt: job.attempt,
        status: cached.status,
        message:
          cached.status === 'failed'
            ? cached.message
            : `the result of job [${row.jobId}] of run [${row.runId}], from the cache`,
        at: now.toISOString(),
        cached: { runId: row.runId, jobId: row.jobId, outputArtifacts: cached.outputArtifacts },
      };
      return { outcome: 'hit', cacheId: row.id, event };
    }
    const cacheId = await this.insert(job, cache, run, secondFp, now);
    return { outcome: 'miss', cacheId };
  }

  /** SHA-256 of the inputs' and the `fs_scope`'s newest modification times, name by name. */
  private async secondFingerprint(runId: string, cache: JobCache): Promise<string> {
    const { modTimes } = this.deps;
    const newestOf = async (fsId: string, paths: string) => {
      let newest = 0n;
      for (const path of splitCommaList(paths)) {
        const time = await modTimes.newest(runId, fsId, path);
        if (time > newest) newest = time;
      }
      return newest.toString();
    };
    const inputs: Record<string, string> = {};
    for (const name of Object.keys(cache.inputArtifacts).sort())
      inputs[name] = await newestOf(cache.mainFsId, cache.inputArtifacts[name]!);
    const scopes: Record<string, Record<string, string>> = {};
    for (const { fsId, path } of cache.fsScope) {
      scopes[fsId] ??= {};
      for (const one of splitCommaList(path)) scopes[fsId][one] = await newestOf(fsId, one);
    }
    return sha256Hex(JSON.stringify({ InputArtifactsModTime: inputs, FsScopeModTime: scopes }));
  }

  private async insert(
    job: JobSpec,
    cache: JobCache,
    run: RunHead,
    secondFp: string,
    now: Date,
  ): Promise<string> {
    const { caches } = this.deps;
    const { id, seq } = await caches.allocateId();
    const at = now.toISOString();
    await caches.create({
      id,
      seq,
      firstFp: cache.firstFp,
      secondFp,
      runId: job.runId,
      source: run.source,
      jobId: job.jobId,
      nodeKey: job.key,
      fsId: cache.mainFsId,
      fsName: run.fsName,
      owner: run.owner,
      expiredTime: cache.maxExpiredTime,
      strategy: 'conservative',
      custom: '',
      createdAt: at,
      updatedAt: at,
    });
    return id;
  }
}
