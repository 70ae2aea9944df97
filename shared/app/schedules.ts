/** Schedules and their ticker (see core.ts). */
import { eventBusFromEnv } from '../runtime/event-bus-from-env.ts';
import { ScheduleTicker } from '../services/schedule-ticker.ts';
import { ScheduleService } from '../services/schedules.ts';
import { scheduleStatusEvent } from '../services/status-events.ts';
import { RunRepository } from '../store/runs.ts';
import { ScheduleRepository } from '../store/schedules.ts';
import { getTable } from './core.ts';
import { runService } from './runs.ts';

let schedules: ScheduleService | undefined;
let ticker: ScheduleTicker | undefined;

export const scheduleService = () =>
  (schedules ??= new ScheduleService({
    schedules: new ScheduleRepository(getTable()),
    runs: runService(),
    // A schedule's status event is also what wakes the ticker (event-rules.ts).
    signal: {
      async changed(schedule, oldStatus) {
        const time = new Date().toISOString();
        await eventBusFromEnv()
          .publish([scheduleStatusEvent(schedule, oldStatus, time)])
          // Told, not relied on: the minute tick finds the schedule anyway.
          .catch((error: unknown) => console.warn('publishing a schedule status event failed', error));
      },
    },
  }));

export function scheduleTicker(): ScheduleTicker {
  if (!ticker) {
    const runs = new RunRepository(getTable());
    ticker = new ScheduleTicker({
      schedules: new ScheduleRepository(getTable()),
      runs: runService(),
      runHead: (id) => runs.head(id),
    });
  }
  return ticker;
}
