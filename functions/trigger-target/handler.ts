/**
 * The target of every trigger's rule (eventbridge-trigger-rules.ts): EventBridge invokes it asynchronously with
 * `{triggerID, event}`. An error thrown here makes Lambda retry the delivery; `fire` starts one run per event
 * however often it is delivered, and throws only what a retry may cure.
 */
import { triggerService } from '../../shared/app/triggers.ts';
import type { TriggerInvocation } from '../../shared/runtime/events.ts';

export async function handler(input: TriggerInvocation): Promise<void> {
  await triggerService().fire(input);
}
