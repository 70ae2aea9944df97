/**
 * The try in progress of one local NodeMachine execution (a container job, a function call, a request). A
 * try that timed out may still run: the next try, the wait before a retry and the execution's end stop it
 * first and wait for it to end, so two tries of one node never overlap. Stopping the execution stops it too,
 * and a container job that timed out is asked to stop by the machine's StopTimedOutTask (`requestStop`).
 */
export type TryKind = 'job' | 'call';

export class CurrentTry {
  private current: { stop: AbortController; ended: Promise<void>; kind: TryKind } | undefined;

  constructor(private readonly execution: AbortSignal) {}

  /** What runs now, if anything. */
  get kind(): TryKind | undefined {
    return this.current?.kind;
  }

  /** Whether a container job runs that nothing has asked to stop (what ECS ListTasks lists as RUNNING). */
  get jobRunning(): boolean {
    return this.current?.kind === 'job' && !this.current.stop.signal.aborted;
  }

  /** Asks the try in progress (if any) to stop, without waiting for it to end: what ECS StopTask does. */
  requestStop(reason: string): void {
    this.current?.stop.abort(new Error(reason));
  }

  /** Stops the try in progress (if any) and waits for it to end (asking again is a no-op). */
  async stop(reason: string): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.stop.abort(new Error(reason));
    await current.ended;
    if (this.current === current) this.current = undefined;
  }

  /** Starts `work` as the try in progress, once the previous one has ended; its signal aborts to stop it. */
  async run<T>(kind: TryKind, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    await this.stop('the try timed out');
    const stop = new AbortController();
    const stopWithExecution = () => stop.abort(this.execution.reason);
    this.execution.addEventListener('abort', stopWithExecution, { once: true });
    if (this.execution.aborted) stopWithExecution();
    const running = work(stop.signal);
    const ended = running.then(
      () => undefined,
      () => undefined,
    );
    const entry = { stop, ended, kind };
    this.current = entry;
    void ended.then(() => {
      this.execution.removeEventListener('abort', stopWithExecution);
      if (this.current === entry) this.current = undefined;
    });
    return running;
  }
}
