import { describe, expect, it } from 'vitest';
import { parseCrontab } from '../../../shared/engine/cron/index.ts';
import { planTick, type ScheduleOptions, type TickInput } from '../../../shared/engine/schedule/plan.ts';

const everyMinute = parseCrontab('* * * * *', { defaultTimeZone: 'UTC' });
const at = (hhmm: string) => new Date(`2026-05-01T${hhmm}:00Z`);
const iso = (date: Date | undefined) => date?.toISOString().slice(11, 16);

function plan(overrides: Partial<Omit<TickInput, 'options'>> & { options?: Partial<ScheduleOptions> } = {}) {
  const { options, ...rest } = overrides;
  return planTick({
    scheduleId: 'schedule-000001',
    crontab: everyMinute,
    nextRunAt: at('10:00'),
    activeRunIds: [],
    now: at('10:00'),
    limit: 100,
    formatTime: (time) => time.toISOString(),
    ...rest,
    options: { catchup: true, expireInterval: 0, concurrency: 0, concurrencyPolicy: 'suspend', ...options },
  });
}

const summary = (result: ReturnType<typeof planTick>) =>
  result.runs.map((run) => `${iso(run.scheduledAt)} ${run.status}`);

describe('planTick', () => {
  it('starts the due time and moves nextRunAt strictly past now', () => {
    const result = plan();
    expect(summary(result)).toEqual(['10:00 start']);
    expect(iso(result.nextRunAt)).toBe('10:01');
    expect(result).toMatchObject({ stops: [], finished: false, suspended: false, more: false });
  });

  it('does nothing before the time is due', () => {
    const result = plan({ now: new Date('2026-05-01T09:59:59Z') });
    expect(result.runs).toEqual([]);
    expect(iso(result.nextRunAt)).toBe('10:00');
  });

  it('with catch-up, starts every missed time', () => {
    const result = plan({ now: at('10:03') });
    expect(summary(result)).toEqual(['10:00 start', '10:01 start', '10:02 start', '10:03 start']);
    expect(iso(result.nextRunAt)).toBe('10:04');
  });

  it('without catch-up, starts only the latest missed time and records the older ones as skipped', () => {
    const result = plan({ now: at('10:03'), options: { catchup: false } });
    expect(summary(result)).toEqual(['10:00 skipped', '10:01 skipped', '10:02 skipped', '10:03 start']);
    expect(result.runs[0]!.message).toBe(
      'skip run of schedule[schedule-000001] with schedule time[2026-05-01T10:00:00.000Z], catchup is false and the later schedule time[2026-05-01T10:03:00.000Z] is due',
    );
  });

  it('records times older than expireInterval as skipped with PaddleFlow’s message, and starts the rest', () => {
    const result = plan({ now: at('10:03'), options: { expireInterval: 90 } });
    expect(summary(result)).toEqual(['10:00 skipped', '10:01 skipped', '10:02 start', '10:03 start']);
    expect(result.runs[0]!.message).toBe(
      'skip run of schedule[schedule-000001] with schedule time[2026-05-01T10:00:00.000Z], beyond expire interval[90] before currentTime[2026-05-01T10:03:00.000Z]',
    );
  });

  it('expiry applies before catch-up', () => {
    const result = plan({ now: at('10:03'), options: { expireInterval: 90, catchup: false } });
    expect(result.runs.map((run) => run.message.includes('expire'))).toEqual([true, true, false, false]);
    expect(summary(result)).toEqual(['10:00 skipped', '10:01 skipped', '10:02 skipped', '10:03 start']);
  });

  describe('at the concurrency limit', () => {
    const busy = { activeRunIds: ['run-000001', 'run-000002'], now: at('10:02') };

    it('suspend holds nextRunAt at the first time it cannot start', () => {
      const result = plan({ ...busy, activeRunIds: ['run-000001'], options: { concurrency: 2 } });
      expect(summary(result)).toEqual(['10:00 start']);
      expect(iso(result.nextRunAt)).toBe('10:01');
      expect(result).toMatchObject({ suspended: true, more: false, finished: false });
    });

    it('skip records the times it cannot start as skipped, after the ones it starts', () => {
      const result = plan({
        ...busy,
        activeRunIds: ['run-000001'],
        options: { concurrency: 2, concurrencyPolicy: 'skip' },
      });
      expect(summary(result)).toEqual(['10:00 start', '10:01 skipped', '10:02 skipped']);
      expect(result.runs[1]!.message).toBe(
        'skip run of schedule[schedule-000001] with schedule time[2026-05-01T10:01:00.000Z], concurrency already reach[2] in policy[skip]',
      );
      expect(iso(result.nextRunAt)).toBe('10:03');
    });

    it('replace stops the oldest active runs to make room for the new one', () => {
      const result = plan({
        activeRunIds: ['run-000001', 'run-000002'],
        now: at('10:00'),
        options: { concurrency: 2, concurrencyPolicy: 'replace' },
      });
      expect(summary(result)).toEqual(['10:00 start']);
      expect(result.stops).toEqual(['run-000001']);
    });

    it('replace keeps only the newest `concurrency` new times, skips the older ones first and stops every active run', () => {
      const result = plan({ ...busy, options: { concurrency: 2, concurrencyPolicy: 'replace' } });
      expect(summary(result)).toEqual(['10:00 skipped', '10:01 start', '10:02 start']);
      expect(result.runs[0]!.message).toContain('concurrency already reach[2] in policy[replace]');
      expect(result.stops).toEqual(['run-000001', 'run-000002']);
    });

    it('unlimited concurrency (0) never holds', () => {
      const result = plan({ ...busy, options: { concurrency: 0 } });
      expect(summary(result)).toEqual(['10:00 start', '10:01 start', '10:02 start']);
    });
  });

  it('finishes once the next time passes the end time', () => {
    const result = plan({ now: at('10:05'), endAt: at('10:01') });
    expect(summary(result)).toEqual(['10:00 start', '10:01 start']);
    expect(iso(result.nextRunAt)).toBe('10:02');
    expect(result.finished).toBe(true);
  });

  it('decides at most `limit` times per tick and says more are due', () => {
    const result = plan({ now: at('10:09'), limit: 4 });
    expect(result.runs).toHaveLength(4);
    expect(iso(result.nextRunAt)).toBe('10:04');
    expect(result.more).toBe(true);
  });

  it('finishes when the crontab fires no more', () => {
    const never = { next: () => undefined };
    const result = plan({ crontab: never, now: at('10:00') });
    expect(summary(result)).toEqual(['10:00 start']);
    expect(result).toMatchObject({ nextRunAt: undefined, finished: true, more: false });
  });
});
