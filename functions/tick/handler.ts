/**
 * The schedules' clock: EventBridge's `rate(1 minute)` rule, and the fixed rules on Floe's bus that mean a
 * schedule may be due sooner (event-rules.ts), invoke it; locally the runtime's ticker invokes it the same way.
 */
import { scheduleTicker } from '../../shared/app/schedules.ts';
import { lambdaHandler } from '../../shared/observability/handler.ts';
import { onTickEvent, type TickEvent } from '../../shared/services/schedule-ticker.ts';

export const handler = lambdaHandler(async (event: TickEvent): Promise<void> => {
  await onTickEvent(scheduleTicker(), event);
});
