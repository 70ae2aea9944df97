/**
 * A run's consumer: what the mailbox delivers a run's events to, one batch at a time per run. It loads the run,
 * applies the pure `reconcile`, writes the result with version checks, then carries out the commands. It is
 * level-triggered: commands follow from stored state, so a crash between writing and acting is repaired by the
 * next pass (a `resume` re-issues every pending command).
 *
 * The loaded run is kept between passes: the head's version, bumped by every pass, tells whether the copy is
 * still what is stored, so a pass reads one item instead of the whole graph.
 */
import {
  isFinalRun,
  type JobSpec,
  RUN_STATE_FIELDS,
  type RunCommand,
  type RunEvent,
  type RunState,
  type RunStatus,
  reconcile,
} from '../engine/run/index.ts';
import type { EventBus, EventEntry } from '../runtime/events.ts';
import type { Dispatcher, Mailbox } from '../runtime/ports.ts';
import type { ArtifactEventRecord } from '../store/artifact-events.ts';
import type { AttemptRepository } from '../store/attempts.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import type { LoadedRun, RunRecord, RunRepository } from '../store/runs.ts';
import { statusEvents } from './status-events.ts';

/** Reads artifact files for conditions and loop arguments (the engine has no I/O). */
export interface ArtifactReader {
  read(
    run: RunRecord,
    paths: string[],
    limit: number,
  ): Promise<{ contents: Record<string, string | null>; error?: string }>;
}

/**
 * What the consumer tells about the runs it moves (metrics, in AWS), each fact once it is stored: a pass
 * whose write lost the race tells nothing, and the pass that wins tells it.
 */
export interface RunObserver {
  /** The pass started the run: gave it its `activateTime`, which is set once in a run's life. */
  runStarted(runId: string): void;
  /** The pass ended the run with this final status. */
  runFinished(runId: string, status: RunStatus): void;
  /**
   * The dispatcher accepted a node's execution, `latencyMs` after the pass that dispatched it began (the
   * pass's `now`): the pass's writes, placing the job and starting its execution.
   */
  nodeDispatched(job: JobSpec, latencyMs: number): void;
}

/** What the consumer logs; each line names the run in `runId`. */
export interface RunLog {
  warn(message: string, attributes: Record<string, unknown>): void;
}

const consoleLog: RunLog = { warn: (message, attributes) => console.warn(message, attributes) };

/** Where artifact events (§4.9) go. */
export interface ArtifactEventSink {
  put(records: ArtifactEventRecord[]): Promise<void>;
}

export interface RunEngineDeps {
  runs: RunRepository;
  attempts: AttemptRepository;
  artifactEvents: ArtifactEventSink;
  dispatcher: Dispatcher;
  mailbox: Mailbox;
  artifacts: ArtifactReader;
  /** Where run and job status changes are published. */
  events?: EventBus;
  /** Told about runs started and finished and nodes dispatched (metrics in AWS); none locally. */
  observer?: RunObserver;
  /** The console when absent. */
  log?: RunLog;
  now?: () => Date;
}

/** Concurrent writers of one run are rare (a stop request landing mid-pass): a few tries settle them. */
const MAX_TRIES = 8;

export class RunEngine {
  private readonly cache = new Map<string, LoadedRun>();

  private readonly log: RunLog;

  constructor(private readonly deps: RunEngineDeps) {
    this.log = deps.log ?? consoleLog;
  }

  /** Applies a batch of events to a run and carries out what follows. Unknown (deleted) runs are ignored. */
  async apply(runId: string, events: RunEvent[]): Promise<void> {
    let conflicted = false;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const loaded = await this.current(runId);
      if (!loaded) return;
      const fresh = this.cache.get(runId) !== loaded;
      // Operators' actions first: the API checked each against the stored state, with the ones before it.
      const requests = loaded.record.requests ?? [];
      const batch = [...requests, ...(fresh ? loaded.results : []), ...events];
      // A lost write may have landed its nodes before the head failed: the commands those changes called
      // for (a kill, a dispatch) are not derived again from nodes already changed, so re-issue every pending
      // command, as a restart does (they are idempotent).
      if (conflicted) batch.push({ type: 'resume' });
      const headChanges: Record<string, unknown> = {};
      if (requests.length > 0) headChanges.requests = null;
      if (loaded.record.stopRequest) {
        batch.push({ type: 'stop', force: loaded.record.stopRequest.force });
        headChanges.stopRequest = null;
      }
      const now = this.now().toISOString();
      const { state, commands, refused } = reconcile(loaded.state, batch, now);
      for (const [id, refusal] of Object.entries(refused))
        this.log.warn('request refused when applied', { runId, request: id, reason: refusal.message });
      // Artifact events and ended attempts record what the batch's events say happened: written before the
      // state, so a crash between the two cannot lose them (the events come again and write the same items).
      await Promise.all([
        this.recordArtifacts(loaded.record, commands, now),
        this.recordAttempts(runId, commands),
      ]);
      let saved: LoadedRun = loaded;
      if (changed(loaded.state, state) || Object.keys(headChanges).length > 0) {
        try {
          saved = await this.deps.runs.save(loaded, state, now, headChanges);
        } catch (error) {
          this.cache.delete(runId);
          if (!(error instanceof ConditionFailedError)) throw error;
          conflicted = true;
          continue;
        }
      }
      if (isFinalRun(state.status)) this.cache.delete(runId);
      else this.cache.set(runId, saved);
      this.observePass(runId, loaded.state, state);
      // After the write: an event tells what is stored. A crash between the two loses the event, never
      // invents one.
      const published = this.publish(runId, statusEvents(saved.record, loaded.state, state, now));
      await Promise.all([this.carryOut(saved.record, commands, Date.parse(now)), published]);
      return;
    }
    throw new Error(`run ${runId}: gave up after ${MAX_TRIES} conflicting writes`);
  }

  /** Status events are told, not relied on: a bus that fails does not fail the pass (it is logged). */
  private async publish(runId: string, entries: EventEntry[]): Promise<void> {
    if (entries.length === 0 || !this.deps.events) return;
    await this.deps.events.publish(entries).catch((error: unknown) => {
      this.log.warn('publishing status events failed', { runId, error });
    });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The run's start and end, from what the pass changed (told after the write, as the status events). */
  private observePass(runId: string, before: RunState, after: RunState): void {
    this.tell(runId, (observer) => {
      if (before.activateTime === undefined && after.activateTime !== undefined) observer.runStarted(runId);
      if (!isFinalRun(before.status) && isFinalRun(after.status)) observer.runFinished(runId, after.status);
    });
  }

  /** Telling the observer is never what fails a pass: a failure is logged. */
  private tell(runId: string, what: (observer: RunObserver) => void): void {
    const { observer } = this.deps;
    if (!observer) return;
    try {
      what(observer);
    } catch (error) {
      this.log.warn('telling the run observer failed', { runId, error });
    }
  }

  private async current(runId: string): Promise<LoadedRun | undefined> {
    const cached = this.cache.get(runId);
    if (cached) {
      const head = await this.deps.runs.head(runId);
      if (!head) {
        this.cache.delete(runId);
        return undefined;
      }
      if (head.version === cached.record.version) return cached;
      if (head.passVersion === cached.record.version) {
        // Requests (stop, operators' actions) wrote the head since our pass: the nodes are still ours.
        const refreshed = { ...cached, record: { ...cached.record, ...head } };
        this.cache.set(runId, refreshed);
        return refreshed;
      }
    }
    return this.deps.runs.load(runId);
  }

  private async recordArtifacts(run: RunRecord, commands: RunCommand[], now: string): Promise<void> {
    const records: ArtifactEventRecord[] = [];
    for (const command of commands) {
      if (command.type !== 'recordArtifacts') continue;
      for (const [artifactName, artifactPath] of Object.entries(command.artifacts)) {
        records.push({
          runId: run.id,
          fsName: run.fsName,
          owner: run.owner,
          artifactPath,
          step: command.step,
          jobId: command.jobId,
          type: command.kind,
          artifactName,
          meta: '',
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    if (records.length > 0) await this.deps.artifactEvents.put(records);
  }

  private async recordAttempts(runId: string, commands: RunCommand[]): Promise<void> {
    const records = commands.flatMap((command) => (command.type === 'recordAttempt' ? [command.record] : []));
    if (records.length > 0) await this.deps.attempts.put(runId, records);
  }

  /** `passStart`: the pass's `now`, in ms, from which a dispatch's latency counts. */
  private async carryOut(run: RunRecord, commands: RunCommand[], passStart: number): Promise<void> {
    const { dispatcher, mailbox, artifacts } = this.deps;
    await Promise.all(
      commands.map(async (command) => {
        switch (command.type) {
          case 'dispatch':
            await dispatcher.dispatch(command.job);
            this.tell(run.id, (observer) =>
              observer.nodeDispatched(command.job, Math.max(0, this.now().getTime() - passStart)),
            );
            return;
          case 'kill':
            return dispatcher.kill(run.id, command.key, command.attempt);
          case 'recordArtifacts':
          case 'recordAttempt':
            return; // written before the state (see apply)
          case 'readArtifacts': {
            const { contents, error } = await artifacts
              .read(run, command.paths, command.limit)
              .catch((e: unknown) => ({ contents: {}, error: (e as Error).message }));
            return mailbox.post(run.id, {
              type: 'artifactsRead',
              key: command.key,
              contents,
              ...(error === undefined ? {} : { error }),
            });
          }
        }
      }),
    );
  }
}

/** Whether reconcile changed anything that is stored. */
function changed(before: RunState, after: RunState): boolean {
  if (before === after) return false;
  if (RUN_STATE_FIELDS.some((field) => before[field] !== after[field])) return true;
  const keys = Object.keys(after.nodes);
  if (keys.length !== Object.keys(before.nodes).length) return true;
  return keys.some((key) => before.nodes[key] !== after.nodes[key]);
}
