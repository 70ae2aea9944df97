/**
 * Floe's bus on one machine, in place of EventBridge: the fixed rules of shared/runtime/event-rules.ts and one
 * rule per trigger, matched with EventBridge's pattern semantics (shared/engine/events), each calling the same
 * target code the AWS rules invoke.
 *
 * Delivery follows EventBridge's: the publisher does not wait for the ticker or for webhooks. Trigger targets
 * are the exception: `publish` waits until each matching trigger has created its run (or failed to), so that a
 * client that posts an event and then lists runs sees them. A trigger's run takes milliseconds to create.
 */
import { randomUUID } from 'node:crypto';
import {
  type EventPattern,
  matchesEventPattern,
  parseEventPattern,
} from '../../shared/engine/events/index.ts';
import { FIXED_RULES, type FixedTarget } from '../../shared/runtime/event-rules.ts';
import type {
  BusEvent,
  EventBus,
  EventEntry,
  TriggerInvocation,
  TriggerRule,
  TriggerRules,
} from '../../shared/runtime/events.ts';

export interface LocalBusTargets {
  tick(event: BusEvent): Promise<void>;
  webhooks(event: BusEvent): Promise<void>;
  trigger(invocation: TriggerInvocation): Promise<void>;
}

const fixedRules = FIXED_RULES.map((rule) => ({ ...rule, matcher: parseEventPattern(rule.pattern) }));

export class LocalEventBus implements EventBus, TriggerRules {
  private readonly triggers = new Map<string, { matcher: EventPattern; enabled: boolean }>();
  private readonly inFlight = new Set<Promise<void>>();
  private targets: LocalBusTargets | undefined;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** The targets are connected once the functions behind them are ready to serve. */
  connect(targets: LocalBusTargets): void {
    this.targets = targets;
  }

  async put(rule: TriggerRule): Promise<void> {
    this.triggers.set(rule.triggerId, { matcher: parseEventPattern(rule.pattern), enabled: rule.enabled });
  }

  async remove(triggerId: string): Promise<void> {
    this.triggers.delete(triggerId);
  }

  async publish(entries: EventEntry[]): Promise<string[]> {
    const events = entries.map(toBusEvent);
    const triggerRuns: Promise<void>[] = [];
    for (const event of events) {
      for (const rule of fixedRules) {
        if (matchesEventPattern(rule.matcher, event)) this.background(rule.target, event);
      }
      for (const [triggerID, rule] of this.triggers) {
        if (rule.enabled && matchesEventPattern(rule.matcher, event)) {
          triggerRuns.push(this.deliver(() => this.targets?.trigger({ triggerID, event })));
        }
      }
    }
    await Promise.all(triggerRuns);
    return events.map((event) => event.id);
  }

  /** Waits for deliveries under way (what closing the runtime does before the table goes). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private background(target: FixedTarget, event: BusEvent): void {
    const delivery = this.deliver(() => this.targets?.[target](event));
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(call: () => Promise<void> | undefined): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.onError(error);
    }
  }
}

function toBusEvent(entry: EventEntry): BusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.detailType,
    source: entry.source,
    account: 'local',
    time: entry.time ?? new Date().toISOString(),
    region: process.env.AWS_REGION || 'local',
    resources: entry.resources ?? [],
    detail: entry.detail,
  };
}
