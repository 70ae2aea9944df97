/**
 * What one tick of a schedule does (reference/paddleflow.md §6, PaddleFlow's `scheduler.go`), as a pure function
 * of the schedule, its active runs and the time: which scheduled times become runs, which become `skipped` runs
 * and why, which active runs `replace` stops, and where `nextRunAt` goes. No I/O: the ticker (services) stores
 * the plan with one conditional write and then carries it out.
 *
 * Floe differs from PaddleFlow in one deliberate way: PaddleFlow stores `catchup` and ignores it. Here
 * `catchup: false` runs only the latest missed time and records the older ones as skipped.
 */
import type { Crontab } from '../cron/index.ts';

/** What a tick needs of a crontab: its fire times. */
type FireTimes = Pick<Crontab, 'next'>;

export type ConcurrencyPolicy = 'suspend' | 'replace' | 'skip';
export const CONCURRENCY_POLICIES: readonly ConcurrencyPolicy[] = ['suspend', 'replace', 'skip'];

export interface ScheduleOptions {
  catchup: boolean;
  /** Seconds; 0: a missed time never expires. */
  expireInterval: number;
  /** 0: unlimited. */
  concurrency: number;
  concurrencyPolicy: ConcurrencyPolicy;
}

export interface TickInput {
  scheduleId: string;
  crontab: FireTimes;
  options: ScheduleOptions;
  nextRunAt: Date;
  endAt?: Date;
  /** The schedule's runs that are not final, oldest first: `replace` stops from the front. */
  activeRunIds: string[];
  now: Date;
  /** At most this many scheduled times are decided per tick; the rest wait for the next pass. */
  limit: number;
  /** How times appear in messages (PaddleFlow's `YYYY-MM-DD HH:MM:SS`, server local). */
  formatTime: (time: Date) => string;
}

export interface PlannedRun {
  scheduledAt: Date;
  /** `skipped`: recorded as a run that never started, with `message` saying why. */
  status: 'start' | 'skipped';
  message: string;
}

export interface TickPlan {
  /** In PaddleFlow's creation order: expired (and, without catch-up, missed), replace-skipped, started, skip-skipped. */
  runs: PlannedRun[];
  /** Active runs `replace` stops (not forced). */
  stops: string[];
  /** Undefined when the crontab fires no more. */
  nextRunAt: Date | undefined;
  /** The next time is past the end time (or there is none): the schedule is done (`success`). */
  finished: boolean;
  /** `suspend` holds the schedule at `nextRunAt` until one of its runs ends. */
  suspended: boolean;
  /** More times were due than `limit`: tick again at once. */
  more: boolean;
}

export function planTick(input: TickInput): TickPlan {
  const { scheduleId, crontab, options, endAt, now, formatTime } = input;
  const { concurrency, concurrencyPolicy: policy, expireInterval } = options;
  const due = (at: Date | undefined): at is Date =>
    at !== undefined && at.getTime() <= now.getTime() && (!endAt || at.getTime() <= endAt.getTime());
  const skipMessage = (at: Date, why: string) =>
    `skip run of schedule[${scheduleId}] with schedule time[${formatTime(at)}], ${why}`;
  // Without catch-up, every time before the latest one due is recorded as skipped instead of run.
  const latest = options.catchup ? undefined : latestDue(crontab, input.nextRunAt, due);

  const early: PlannedRun[] = [];
  let started: Date[] = [];
  const skipped: Date[] = [];
  let total = input.activeRunIds.length;
  let suspended = false;
  let decided = 0;
  let next: Date | undefined = input.nextRunAt;
  for (; due(next) && decided < input.limit; next = crontab.next(next), decided++) {
    if (expireInterval > 0 && next.getTime() + expireInterval * 1000 < now.getTime()) {
      const why = `beyond expire interval[${expireInterval}] before currentTime[${formatTime(now)}]`;
      early.push({ scheduledAt: next, status: 'skipped', message: skipMessage(next, why) });
    } else if (latest && next.getTime() < latest.getTime()) {
      const why = `catchup is false and the later schedule time[${formatTime(latest)}] is due`;
      early.push({ scheduledAt: next, status: 'skipped', message: skipMessage(next, why) });
    } else if (concurrency === 0 || total < concurrency || policy === 'replace') {
      started.push(next);
      total++;
    } else if (policy === 'skip') {
      skipped.push(next);
    } else {
      suspended = true; // `suspend`: nextRunAt stays where it is
      break;
    }
  }

  // `replace`: keep the newest `concurrency` of what runs after this tick, stop or skip the rest.
  let stops: string[] = [];
  const replaced: Date[] = [];
  if (policy === 'replace' && concurrency > 0 && total > concurrency) {
    if (started.length >= concurrency) {
      replaced.push(...started.slice(0, started.length - concurrency));
      started = started.slice(started.length - concurrency);
      stops = [...input.activeRunIds];
    } else {
      stops = input.activeRunIds.slice(0, total - concurrency);
    }
  }
  const concurrencyMessage = (at: Date) =>
    skipMessage(at, `concurrency already reach[${concurrency}] in policy[${policy}]`);
  const runs: PlannedRun[] = [
    ...early,
    ...replaced.map((at) => ({
      scheduledAt: at,
      status: 'skipped' as const,
      message: concurrencyMessage(at),
    })),
    ...started.map((at) => ({ scheduledAt: at, status: 'start' as const, message: '' })),
    ...skipped.map((at) => ({
      scheduledAt: at,
      status: 'skipped' as const,
      message: concurrencyMessage(at),
    })),
  ];
  const finished = next === undefined || (endAt !== undefined && next.getTime() > endAt.getTime());
  return { runs, stops, nextRunAt: next, finished, suspended, more: !suspended && due(next) };
}

/** The last fire time from `from` on that is due, or undefined when none is. */
function latestDue(
  crontab: FireTimes,
  from: Date,
  due: (at: Date | undefined) => at is Date,
): Date | undefined {
  let latest: Date | undefined;
  for (let at: Date | undefined = from; due(at); at = crontab.next(at)) latest = at;
  return latest;
}
