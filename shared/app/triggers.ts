/** Triggers (see core.ts). */
import { eventBusFromEnv, triggerRulesFromEnv } from '../runtime/event-bus-from-env.ts';
import type { EventBus, TriggerRules } from '../runtime/events.ts';
import { TriggerService } from '../services/triggers.ts';
import { TriggerRepository } from '../store/triggers.ts';
import { getTable } from './core.ts';
import { runService } from './runs.ts';

let triggers: TriggerService | undefined;

/**
 * The bus and the rules are looked up at each use, not when the service is built: the trigger-target function
 * has no rules to manage (FLOE_TRIGGER_FUNCTION_ARN names itself, and is not set there), and the local runtime
 * registers its bus after the handlers are loaded.
 */
const rules: TriggerRules = {
  put: (rule) => triggerRulesFromEnv().put(rule),
  remove: (triggerId) => triggerRulesFromEnv().remove(triggerId),
};
const bus: EventBus = { publish: (entries) => eventBusFromEnv().publish(entries) };

export const triggerService = () =>
  (triggers ??= new TriggerService({
    triggers: new TriggerRepository(getTable()),
    runs: runService(),
    rules,
    bus,
  }));
