/**
 * Floe's bus as a handler reaches it: EventBridge in AWS (`FLOE_EVENT_BUS_NAME`), the local runtime's bus
 * otherwise (registered at start-up, in the same process as the handlers), as the mailbox is found.
 */
import { EventBridgeBus } from './eventbridge-bus.ts';
import { EventBridgeTriggerRules } from './eventbridge-trigger-rules.ts';
import type { EventBus, TriggerRules } from './events.ts';

let local: (EventBus & TriggerRules) | undefined;

export function registerLocalEventBus(bus: (EventBus & TriggerRules) | undefined): void {
  local = bus;
}

function localBus(): EventBus & TriggerRules {
  if (!local)
    throw new Error('no event bus: FLOE_EVENT_BUS_NAME is unset and no local runtime registered one');
  return local;
}

let eventBridge: EventBus | undefined;

export function eventBusFromEnv(): EventBus {
  const busName = process.env.FLOE_EVENT_BUS_NAME;
  if (!busName) return localBus();
  eventBridge ??= new EventBridgeBus(busName);
  return eventBridge;
}

let triggerRules: TriggerRules | undefined;

export function triggerRulesFromEnv(): TriggerRules {
  const busName = process.env.FLOE_EVENT_BUS_NAME;
  if (busName) {
    const targetArn = process.env.FLOE_TRIGGER_FUNCTION_ARN;
    if (!targetArn) throw new Error('FLOE_TRIGGER_FUNCTION_ARN is unset: triggers have no target');
    triggerRules ??= new EventBridgeTriggerRules({ busName, targetArn });
    return triggerRules;
  }
  return localBus();
}
