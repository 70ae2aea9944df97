/**
 * Floe's bus as a handler reaches it: EventBridge in AWS (`FLOE_EVENT_BUS_NAME`), the local runtime's bus
 * otherwise (registered at start-up, in the same process as the handlers), as the mailbox is found. The
 * EventBridge adapters are imported only when used, so the local runtime never loads their SDK client.
 */
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

let eventBridge: Promise<EventBus> | undefined;

export function eventBusFromEnv(): EventBus {
  const busName = process.env.FLOE_EVENT_BUS_NAME;
  if (!busName) return localBus();
  return {
    async publish(entries) {
      eventBridge ??= import('./eventbridge-bus.ts').then(
        ({ EventBridgeBus }) => new EventBridgeBus(busName),
      );
      return (await eventBridge).publish(entries);
    },
  };
}

let triggerRules: Promise<TriggerRules> | undefined;

export function triggerRulesFromEnv(): TriggerRules {
  const busName = process.env.FLOE_EVENT_BUS_NAME;
  if (!busName) return localBus();
  const targetArn = process.env.FLOE_TRIGGER_FUNCTION_ARN;
  if (!targetArn) throw new Error('FLOE_TRIGGER_FUNCTION_ARN is unset: triggers have no target');
  const rules = () => {
    triggerRules ??= import('./eventbridge-trigger-rules.ts').then(
      ({ EventBridgeTriggerRules }) => new EventBridgeTriggerRules({ busName, targetArn }),
    );
    return triggerRules;
  };
  return {
    put: async (rule) => (await rules()).put(rule),
    remove: async (triggerId) => (await rules()).remove(triggerId),
  };
}
