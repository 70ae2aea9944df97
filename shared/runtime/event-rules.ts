/**
 * The fixed rules on Floe's bus and the targets they call: CDK makes each an EventBridge rule, the local bus
 * matches the same patterns. The minute tick itself is a schedule rule (`rate(1 minute)` on the default bus in
 * AWS, the local runtime's timer), not a pattern.
 */
import { DETAIL_TYPES, FLOE_SOURCE } from './events.ts';

export type FixedTarget = 'tick' | 'webhooks';

export interface FixedRule {
  /** CDK construct id and local rule name. */
  readonly id: string;
  readonly description: string;
  readonly pattern: Record<string, unknown>;
  readonly target: FixedTarget;
}

/** The ends of a run that was active: a `skipped` run is recorded final and never held a slot. */
const ENDED_RUN_STATUSES = ['succeeded', 'failed', 'terminated'];

export const FIXED_RULES: readonly FixedRule[] = [
  {
    id: 'ScheduledRunEnded',
    description: 'A run of a schedule ended: tick the schedule, which `suspend` may be holding',
    pattern: {
      source: [FLOE_SOURCE],
      'detail-type': [DETAIL_TYPES.run],
      detail: { scheduleID: [{ exists: true }], newStatus: ENDED_RUN_STATUSES },
    },
    target: 'tick',
  },
  {
    id: 'ScheduleStarted',
    description: 'A schedule was created: tick at once, so a schedule due within the minute is not late',
    pattern: {
      source: [FLOE_SOURCE],
      'detail-type': [DETAIL_TYPES.schedule],
      detail: { newStatus: ['running'] },
    },
    target: 'tick',
  },
  {
    id: 'StatusWebhooks',
    description: 'Every status change goes to the webhooks registered for it',
    pattern: { source: [FLOE_SOURCE], 'detail-type': Object.values(DETAIL_TYPES) },
    target: 'webhooks',
  },
];
