/**
 * Floe's events, as EventBridge carries them. Floe publishes its status changes on its own bus; triggers are
 * rules on that bus; the ticker and the webhook deliverer are targets of fixed rules on it (rules.ts). In AWS
 * that bus is EventBridge; locally it is LocalEventBus (infra/local), which matches the same patterns with the
 * same semantics and calls the same handlers.
 */

/** The `source` of every event Floe itself publishes; users' events may not use it. */
export const FLOE_SOURCE = 'floe';

export const DETAIL_TYPES = {
  run: 'Floe Run Status Change',
  job: 'Floe Job Status Change',
  schedule: 'Floe Schedule Status Change',
} as const;

/** What a publisher says: EventBridge's PutEvents entry. */
export interface EventEntry {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources?: string[];
  /** ISO instant; now when absent. */
  time?: string;
}

/** An event as EventBridge delivers it to targets and matches it against patterns. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** Puts events on Floe's bus (EventBridge PutEvents in AWS). Returns the ids the events were given. */
export interface EventBus {
  publish(entries: EventEntry[]): Promise<string[]>;
}

/** A trigger as its rule: what `TriggerRules` keeps on the bus for it. */
export interface TriggerRule {
  triggerId: string;
  /** The EventBridge event pattern, validated. */
  pattern: Record<string, unknown>;
  enabled: boolean;
}

/**
 * The rules of triggers on the bus: in AWS one EventBridge rule each (`floe-trigger-<id>`) whose target is the
 * trigger function; locally the local bus's own rule table.
 */
export interface TriggerRules {
  put(rule: TriggerRule): Promise<void>;
  remove(triggerId: string): Promise<void>;
}

/** The input the trigger function gets from a trigger's rule: which trigger, and the whole event. */
export interface TriggerInvocation {
  triggerID: string;
  event: BusEvent;
}
