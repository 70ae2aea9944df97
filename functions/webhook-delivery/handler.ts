/**
 * The target of the fixed `StatusWebhooks` rule (event-rules.ts): EventBridge invokes it asynchronously with each
 * status event. A failing webhook is logged, not thrown (the others must not receive the event again); only a
 * failed read of the webhooks throws, and Lambda retries the delivery.
 */
import { webhookService } from '../../shared/app/webhooks.ts';
import { lambdaHandler } from '../../shared/observability/handler.ts';
import { logger } from '../../shared/observability/logger.ts';
import type { BusEvent } from '../../shared/runtime/events.ts';

/** The detail fields of a status event that become log keys (the run's, the job's, the schedule's). */
const LOG_KEYS = { runID: 'runId', jobID: 'jobId', scheduleID: 'scheduleId' } as const;

export const handler = lambdaHandler(async (event: BusEvent): Promise<void> => {
  const keys: Record<string, string> = { eventId: event.id };
  for (const [field, key] of Object.entries(LOG_KEYS)) {
    const value = event.detail[field];
    if (typeof value === 'string') keys[key] = value;
  }
  logger.appendKeys(keys);
  await webhookService().deliver(event);
});
