/**
 * Operators' actions on runs and nodes (reference/bamboo.md §4; seed 001's task service, seed 003's debug
 * operations) and the reads that go with them. An action is checked by the engine itself against the stored
 * run, with the actions still queued applied first, and queued on the run's head in one conditional write at
 * the version read: if the run moved meanwhile, the check is made again. The run's consumer applies queued
 * actions before anything else, so an accepted action meets exactly the state it was checked against.
 */
import { randomUUID } from 'node:crypto';
import {
  type AttemptRecord,
  type ControlEvent,
  type ControlOperation,
  checkControl,
  type RunState,
} from '../engine/run/index.ts';
import { PfError } from '../errors.ts';
import type { Mailbox } from '../runtime/ports.ts';
import type { AttemptRepository } from '../store/attempts.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import type { LoadedRun, RunRepository } from '../store/runs.ts';
import { findVisibleRun } from './runs.ts';
import type { Actor } from './users.ts';

/** A run moves with each pass of its consumer: a busy one may need a few reads before an action lands. */
const MAX_TRIES = 20;

export interface RunControlDeps {
  runs: RunRepository;
  attempts: AttemptRepository;
  mailbox: Mailbox;
  now?: () => Date;
}

/** A run as an action leaves it, before the consumer settles what follows (a retried step dispatched…). */
export interface ControlOutcome {
  loaded: LoadedRun;
  state: RunState;
}

export class RunControlService {
  constructor(private readonly deps: RunControlDeps) {}

  private now() {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  /** Loads a run the actor may see. */
  load(actor: Actor, runId: string): Promise<LoadedRun> {
    return findVisibleRun(
      actor,
      runId,
      (id) => this.deps.runs.load(id),
      (loaded) => loaded.record.owner,
    );
  }

  /**
   * Checks and queues an action; answers with the run as it will be once applied. Refused: 403
   * ActionNotAllowed for a run or node in the wrong state, 400 InvalidArguments for a wrong request.
   */
  async operate(actor: Actor, runId: string, operation: ControlOperation): Promise<ControlOutcome> {
    const event: ControlEvent = {
      type: 'control',
      id: randomUUID(),
      user: actor.name,
      at: this.now(),
      operation,
    };
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const loaded = await this.load(actor, runId);
      const queued = loaded.record.requests ?? [];
      const { state, refused } = checkControl(loaded.state, [...queued, event], event.at);
      const refusal = refused[event.id];
      if (refusal)
        throw new PfError(
          refusal.kind === 'input' ? 'InvalidArguments' : 'ActionNotAllowed',
          refusal.message,
        );
      try {
        await this.deps.runs.requestControl(loaded.record, event, event.at);
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        continue; // the run moved since it was read: check again
      }
      await this.deps.mailbox.post(runId, { type: 'wake' });
      return { loaded, state };
    }
    throw new Error(`run ${runId}: it kept moving while the action was checked (${MAX_TRIES} tries)`);
  }

  /** A node's ended attempts, oldest first (the current one is the node itself). */
  async attempts(
    actor: Actor,
    runId: string,
    key: string,
  ): Promise<{ loaded: LoadedRun; attempts: AttemptRecord[] }> {
    const loaded = await this.load(actor, runId);
    return { loaded, attempts: await this.deps.attempts.list(runId, key) };
  }
}
