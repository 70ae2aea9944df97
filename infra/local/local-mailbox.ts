/**
 * The local stand-in for the SQS FIFO mailbox: one in-process queue per run, drained by one consumer at a
 * time, each drain handing the run's consumer every event waiting (a batch is one reconcile pass and one
 * write). A node's `finished` event is stored in the run's partition before it is queued, so a result that
 * the process did not live to apply is applied after a restart (run-recovery.ts). Results that arrive
 * together (steps of a wide DAG end many at a time) are stored together: one batch write per turn of the
 * event loop instead of one write each.
 */
import type { RunEvent } from '../../shared/engine/run/model.ts';
import type { Mailbox } from '../../shared/runtime/ports.ts';
import type { RunEngine } from '../../shared/services/run-engine.ts';
import type { RunRepository } from '../../shared/store/runs.ts';

type Finished = Extract<RunEvent, { type: 'finished' }>;

/** How long a run's consumer waits before trying a batch again after an unexpected error. */
const RETRY_DELAY_MS = 200;
const MAX_RETRIES = 5;

export class LocalMailbox implements Mailbox {
  private readonly queues = new Map<string, RunEvent[]>();
  private readonly draining = new Set<string>();
  /** The drains in progress: closing waits for them, so none touches the table after it is closed. */
  private readonly drains = new Set<Promise<void>>();
  private engine: RunEngine | undefined;
  private closed = false;
  /** Results waiting for the next batch write, and that write, which their posts wait on. */
  private unstored: { runId: string; event: Finished }[] = [];
  private storing: Promise<void> | undefined;

  constructor(
    private readonly runs: RunRepository,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The consumer is built after the mailbox (it posts to it): connect them here. */
  connect(engine: RunEngine): void {
    this.engine = engine;
  }

  async post(runId: string, event: RunEvent): Promise<void> {
    if (this.closed) return;
    if (event.type === 'finished') await this.store(runId, event);
    const queue = this.queues.get(runId) ?? [];
    queue.push(event);
    this.queues.set(runId, queue);
    if (!this.draining.has(runId)) {
      const drain = this.drain(runId).finally(() => this.drains.delete(drain));
      this.drains.add(drain);
    }
  }

  /** Stores a result with the others posted in the same turn of the event loop. */
  private store(runId: string, event: Finished): Promise<void> {
    this.unstored.push({ runId, event });
    this.storing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const results = this.unstored;
      this.unstored = [];
      this.storing = undefined;
      return this.runs.putResults(results);
    });
    return this.storing;
  }

  /**
   * Stops delivering: events still queued are dropped (stored results are re-read at the next start). Waits
   * for the batch being applied and the results being stored, which would otherwise write after shutdown.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.queues.clear();
    await Promise.allSettled([...this.drains, this.storing]);
  }

  private async drain(runId: string): Promise<void> {
    this.draining.add(runId);
    try {
      for (;;) {
        const batch = this.queues.get(runId);
        if (!batch || batch.length === 0 || this.closed) break;
        this.queues.set(runId, []);
        await this.applyWithRetries(runId, batch);
      }
    } finally {
      this.queues.delete(runId);
      this.draining.delete(runId);
    }
  }

  private async applyWithRetries(runId: string, batch: RunEvent[]): Promise<void> {
    if (!this.engine) throw new Error('the local mailbox has no consumer connected');
    for (let attempt = 0; ; attempt++) {
      try {
        await this.engine.apply(runId, batch);
        return;
      } catch (error) {
        if (attempt >= MAX_RETRIES || this.closed) {
          this.onError(error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }
}
