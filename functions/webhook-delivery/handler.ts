/**
 * The target of the fixed `StatusWebhooks` rule (event-rules.ts): EventBridge invokes it asynchronously with each
 * status event. A failing webhook is logged, not thrown (the others must not receive the event again); only a
 * failed read of the webhooks throws, and Lambda retries the delivery.
 */
import { webhookService } from '../../shared/app/webhooks.ts';
import type { BusEvent } from '../../shared/runtime/events.ts';

export async function handler(event: BusEvent): Promise<void> {
  await webhookService().deliver(event);
}
