/**
 * The clock of schedules (DESIGN.md "Schedules"): in AWS an EventBridge rule calls it every minute, locally the
 * ticker of `npm start` does; both run the same `window`. A pass reads the due schedules from the index ordered
 * by due time (never a Scan) and ticks each:
 *
 * 1. read the schedule (strongly consistent: the index only hints) and the heads of its active runs;
 * 2. plan the tick (engine/schedule/plan.ts) and take an id for every run it decides on;
 * 3. store the plan in the schedule with one conditional write: the next time, and the runs to create as
 *    `pending`. Of two overlapping ticks only one gets this write in; the other reads again and finds the
 *    plan already stored;
 * 4. carry the plan out: create each pending run under its id (a second try finds it there), stop what
 *    `replace` stops, then clear `pending`, again conditionally.
 *
 * A crash after 3 leaves the pending runs in the schedule, which stays due until they are carried out, so no
 * scheduled run is lost and none is started twice.
 */
import { parseCrontab } from '../engine/cron/index.ts';
import { isFinalRun } from '../engine/run/model.ts';
import { planTick } from '../engine/schedule/plan.ts';
import { isPfError } from '../errors.ts';
import { formatLocalTime } from '../http/time.ts';
import { DETAIL_TYPES } from '../runtime/events.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import type { RunHead } from '../store/runs.ts';
import type { PendingRun, ScheduleRecord, ScheduleRepository } from '../store/schedules.ts';
import type { RunService } from './runs.ts';

export interface ScheduleTickerDeps {
  schedules: ScheduleRepository;
  runs: Pick<RunService, 'createScheduled' | 'stopForSchedule' | 'allocateRunId'>;
  /** Run heads, to tell which of a schedule's runs are still active. */
  runHead(id: string): Promise<RunHead | undefined>;
  now?: () => Date;
  onError?: (error: unknown, scheduleId: string) => void;
}

/** Scheduled times decided per tick of one schedule: a long outage is worked off over several passes. */
const TIMES_PER_TICK = 100;
/** Schedules read per query of the due index. */
const DUE_PAGE = 50;
/** How long a schedule held by `suspend` waits before it is looked at again, if no run of it ends first. */
const SUSPEND_RECHECK_MS = 60_000;
/** Concurrent writers of one schedule are rare (two ticks, a stop): a few tries settle them. */
const MAX_TRIES = 5;

const suspendRecheck = (now: Date) => new Date(now.getTime() + SUSPEND_RECHECK_MS).toISOString();

export class ScheduleTicker {
  constructor(private readonly deps: ScheduleTickerDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Ticks every due schedule until none is due before `until`, sleeping in between: one minute's window of
   * the EventBridge rule, in which sub-minute `@every` schedules are served by the tick re-arming itself.
   */
  async window(until: Date, sleep: (ms: number) => Promise<void>): Promise<void> {
    for (;;) {
      await this.pass();
      const next = await this.deps.schedules.earliestDue();
      const now = this.now();
      if (!next || next.getTime() >= until.getTime()) return;
      // A schedule that could not be ticked stays due: wait a little rather than spin on it.
      await sleep(Math.max(next.getTime() - now.getTime(), 200));
      if (this.now().getTime() >= until.getTime()) return;
    }
  }

  /** Ticks every schedule due now, page by page of the due index (one that stays due is not met twice). */
  async pass(): Promise<void> {
    const now = this.now();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.deps.schedules.due(now, DUE_PAGE, start);
      for (const id of page.ids) await this.tick(id);
      start = page.next;
    } while (start);
  }

  /** Ticks one schedule (also what a run of it ending asks for, so that `suspend` resumes at once). */
  async tick(id: string): Promise<void> {
    try {
      // Each round finds nothing to do, carries a stored plan out, or stores a plan; a lost race (another
      // tick, a stop) costs a round and is judged again on what is stored now.
      for (let conflicts = 0; conflicts < MAX_TRIES; ) {
        const schedule = await this.deps.schedules.get(id);
        if (!schedule) return;
        if (schedule.pending.length > 0 || schedule.stops.length > 0) {
          if (!(await this.carryOut(schedule))) conflicts++;
          continue;
        }
        if (schedule.status !== 'running') return;
        const outcome = await this.advance(schedule);
        if (outcome === 'idle') return;
        if (outcome === 'conflict') conflicts++;
      }
    } catch (error) {
      (this.deps.onError ?? ((e) => console.error(e)))(error, id);
    }
  }

  /**
   * Plans one tick and stores the plan: `planned` when it has runs to create or stop, `idle` when there was
   * nothing to do, `conflict` when another writer got there first.
   */
  private async advance(schedule: ScheduleRecord): Promise<'planned' | 'idle' | 'conflict'> {
    const now = this.now();
    const nextRunAt = schedule.nextRunAt ? new Date(schedule.nextRunAt) : undefined;
    if (nextRunAt && nextRunAt.getTime() > now.getTime()) {
      // Not due (another tick advanced it, or the index lags): keep the index right and go.
      if (schedule.dueAt === schedule.nextRunAt) return 'idle';
      return (await this.store(schedule, { dueAt: schedule.nextRunAt })) ? 'idle' : 'conflict';
    }
    const active = await this.activeRuns(schedule);
    const plan = nextRunAt
      ? planTick({
          scheduleId: schedule.id,
          crontab: parseCrontab(schedule.crontab),
          options: schedule.options,
          nextRunAt,
          ...(schedule.endAt ? { endAt: new Date(schedule.endAt) } : {}),
          activeRunIds: active,
          now,
          limit: TIMES_PER_TICK,
          formatTime: formatLocalTime,
        })
      : { runs: [], stops: [], nextRunAt: undefined, finished: true, suspended: false, more: false };
    const pending: PendingRun[] = [];
    for (const run of plan.runs) {
      const { id, seq } = await this.deps.runs.allocateRunId();
      pending.push({ ...run, runId: id, seq, scheduledAt: run.scheduledAt.toISOString() });
    }
    const started = pending.filter((run) => run.status === 'start').map((run) => run.runId);
    const nextIso = plan.nextRunAt?.toISOString() ?? '';
    const status = plan.finished ? 'success' : 'running';
    const busy = pending.length > 0 || plan.stops.length > 0;
    const dueAt = busy
      ? now.toISOString()
      : status !== 'running'
        ? undefined
        : plan.suspended
          ? suspendRecheck(now)
          : nextIso;
    const stored = await this.store(schedule, {
      nextRunAt: nextIso,
      status,
      activeRunIds: [...active, ...started],
      pending,
      stops: plan.stops,
      dueAt,
    });
    if (!stored) return 'conflict';
    return busy ? 'planned' : 'idle';
  }

  /** Creates the pending runs, stops what the tick stops, then clears both; false if the clearing lost a race. */
  private async carryOut(schedule: ScheduleRecord): Promise<boolean> {
    const failures: string[] = [];
    for (const run of schedule.pending) {
      try {
        await this.deps.runs.createScheduled(schedule, run);
      } catch (error) {
        // A run that cannot be created (its pipeline or fs deleted since) is noted on the schedule, as PaddleFlow
        // logs it, and does not hold the schedule up.
        if (!isPfError(error)) throw error;
        failures.push(`create run for schedule[${schedule.id}] failed: ${error.message}`);
      }
    }
    for (const runId of schedule.stops) await this.deps.runs.stopForSchedule(schedule.owner, runId);
    return this.store(schedule, {
      pending: [],
      stops: [],
      ...(failures.length > 0 ? { message: failures.at(-1)! } : {}),
      dueAt: schedule.status === 'running' ? schedule.nextRunAt || undefined : undefined,
    });
  }

  /** The schedule's runs that are not final, oldest first (each head read strongly consistent). */
  private async activeRuns(schedule: ScheduleRecord): Promise<string[]> {
    const heads = await Promise.all(schedule.activeRunIds.map((id) => this.deps.runHead(id)));
    return heads
      .filter((head): head is RunHead => head !== undefined && !isFinalRun(head.status))
      .sort((a, b) => a.seq - b.seq)
      .map((head) => head.id);
  }

  /** Writes the changes (a `dueAt` of undefined takes the schedule out of the due index); false on a lost race. */
  private async store(schedule: ScheduleRecord, changes: Partial<ScheduleRecord>): Promise<boolean> {
    const next: ScheduleRecord = { ...schedule, ...changes, updatedAt: this.now().toISOString() };
    try {
      await this.deps.schedules.save(schedule, next);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }
}

/** What wakes the tick function: EventBridge's minute rule, or a fixed rule on Floe's bus (event-rules.ts). */
export interface TickEvent {
  'detail-type': string;
  time: string;
  detail?: Record<string, unknown>;
}

const MINUTE_MS = 60_000;
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The minute rule's event works through its minute (until the next one fires); a run of a schedule that ended
 * ticks that schedule; a schedule that started works through the rest of the current minute, so a schedule
 * due within it is not late.
 */
export async function onTickEvent(
  ticker: ScheduleTicker,
  event: TickEvent,
  sleep: (ms: number) => Promise<void> = sleepFor,
  now: () => Date = () => new Date(),
): Promise<void> {
  const type = event['detail-type'];
  if (type === DETAIL_TYPES.run) {
    const scheduleId = event.detail?.scheduleID;
    if (typeof scheduleId === 'string') await ticker.tick(scheduleId);
    return;
  }
  const from = type === DETAIL_TYPES.schedule ? now().getTime() : Date.parse(event.time) || now().getTime();
  const until = new Date(Math.floor(from / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  await ticker.window(until, sleep);
}
