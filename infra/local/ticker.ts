/**
 * The minute rule of AWS (`rate(1 minute)` → the tick function) on one machine: the same tick code, fired at
 * start-up (so that schedules missed while Floe was stopped are caught up or expired at once, as the first tick
 * after an outage would in AWS) and then at every minute boundary. Closing it cuts short the window under way.
 */
import type { TickEvent } from '../../shared/services/schedule-ticker.ts';

const MINUTE_MS = 60_000;

export class ClosedError extends Error {
  constructor() {
    super('the local ticker is closed');
    this.name = 'ClosedError';
  }
}

export class LocalTicker {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  private readonly windows = new Set<Promise<void>>();

  constructor(
    private readonly tick: (event: TickEvent, sleep: (ms: number) => Promise<void>) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.fire(new Date(this.now()).toISOString());
  }

  /** One tick: the minute rule's, or a delivery of the tick target by a fixed rule on the bus. */
  deliver(event: TickEvent): Promise<void> {
    if (this.closed) return Promise.resolve();
    const window = this.tick(event, this.sleep).catch((error: unknown) => {
      if (!(error instanceof ClosedError)) this.onError(error);
    });
    this.windows.add(window);
    void window.finally(() => this.windows.delete(window));
    return window;
  }

  /** Sleeps that end early, with ClosedError, when the ticker closes. */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (this.closed) return reject(new ClosedError());
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        reject(new ClosedError());
      };
      const timer = setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      this.sleepers.add(wake);
    });

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const wake of [...this.sleepers]) wake();
    await Promise.all([...this.windows]);
  }

  private fire(time: string): void {
    if (this.closed) return;
    void this.deliver({ 'detail-type': 'Scheduled Event', time });
    const next = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    this.timer = setTimeout(() => this.fire(new Date(next).toISOString()), next - this.now());
  }
}
