/**
 * The target of every trigger's rule (eventbridge-trigger-rules.ts): EventBridge invokes it asynchronously with
 * `{triggerID, event}`. An error thrown here makes Lambda retry the delivery; `fire` starts one run per event
 * however often it is delivered, and throws only what a retry may cure.
 */
import { triggerService } from '../../shared/app/triggers.ts';
import { lambdaHandler } from '../../shared/observability/handler.ts';
import { logger } from '../../shared/observability/logger.ts';
import type { TriggerInvocation } from '../../shared/runtime/events.ts';

export const handler = lambdaHandler(async (input: TriggerInvocation): Promise<void> => {
  logger.appendKeys({ triggerId: input.triggerID, eventId: input.event.id });
  const runId = await triggerService().fire(input);
  if (runId) logger.info('the trigger started a run', { runId });
});
