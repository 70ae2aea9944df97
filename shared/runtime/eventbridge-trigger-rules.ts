/**
 * Triggers' rules in AWS: one EventBridge rule per trigger on Floe's bus, `floe-trigger-<triggerId>`, whose one
 * target is the trigger function. The target's input is `{"triggerID": "<id>", "event": <the whole event>}`
 * (`TriggerInvocation`), made by an input transformer: `<aws.events.event.json>` is EventBridge's reserved
 * variable for the whole original event (`<aws.events.event>` is the event *without* `detail`), and may only
 * stand as a JSON value because EventBridge inserts it unescaped.
 *
 * CDK allows the trigger resource these calls on `rule/<bus>/floe-trigger-*` only, and allows EventBridge to
 * invoke the trigger function from rules of that prefix only.
 */
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { traced } from '../observability/tracer.ts';
import type { TriggerRule, TriggerRules } from './events.ts';

export const TRIGGER_RULE_PREFIX = 'floe-trigger-';
const TRIGGER_TARGET_ID = 'trigger-function';
/** EventBridge rule names are 1–64 of `[.-_A-Za-z0-9]`: what is left of them for the trigger id. */
const TRIGGER_ID = new RegExp(`^[.\\-_A-Za-z0-9]{1,${64 - TRIGGER_RULE_PREFIX.length}}$`);

/**
 * The target input of a trigger's rule. The id is JSON-encoded; as it is also part of the rule name, it can
 * hold only `[.-_A-Za-z0-9]` anyway, so neither quotes nor `<…>` (a variable to EventBridge) can occur.
 */
const triggerInputTemplate = (triggerId: string) =>
  `{"triggerID": ${JSON.stringify(triggerId)}, "event": <aws.events.event.json>}`;

/** EventBridge refused a trigger's pattern (InvalidEventPatternException); `message` is AWS's reason. */
export class InvalidEventPatternError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidEventPatternError';
  }
}

export interface EventBridgeTriggerRulesOptions {
  /** Floe's bus, where the rules live. */
  busName: string;
  /** The trigger function's ARN, every rule's one target. */
  targetArn: string;
  client?: EventBridgeClient;
}

const errorName = (error: unknown) => (error as { name?: unknown } | null)?.name;

export class EventBridgeTriggerRules implements TriggerRules {
  private readonly busName: string;
  private readonly targetArn: string;
  private readonly client: EventBridgeClient;

  constructor(options: EventBridgeTriggerRulesOptions) {
    this.busName = options.busName;
    this.targetArn = options.targetArn;
    this.client = options.client ?? traced(new EventBridgeClient({}));
  }

  /** Creates or replaces the trigger's rule and its target. */
  async put(rule: TriggerRule): Promise<void> {
    const name = this.ruleName(rule.triggerId);
    try {
      await this.client.send(
        new PutRuleCommand({
          Name: name,
          EventBusName: this.busName,
          EventPattern: JSON.stringify(rule.pattern),
          State: rule.enabled ? 'ENABLED' : 'DISABLED',
          Description: `Floe trigger ${rule.triggerId}: starts its pipeline on matching events`,
        }),
      );
    } catch (error) {
      if (errorName(error) === 'InvalidEventPatternException') {
        throw new InvalidEventPatternError((error as Error).message, { cause: error });
      }
      throw error;
    }
    const output = await this.client.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: this.busName,
        Targets: [
          {
            Id: TRIGGER_TARGET_ID,
            Arn: this.targetArn,
            InputTransformer: { InputPathsMap: {}, InputTemplate: triggerInputTemplate(rule.triggerId) },
          },
        ],
      }),
    );
    if ((output.FailedEntryCount ?? 0) > 0) {
      throw new Error(`EventBridge PutTargets failed for rule ${name}: ${failures(output.FailedEntries)}`);
    }
  }

  /** Removes the trigger's target and rule; a rule that does not exist is already removed. */
  async remove(triggerId: string): Promise<void> {
    const name = this.ruleName(triggerId);
    try {
      const output = await this.client.send(
        new RemoveTargetsCommand({ Rule: name, EventBusName: this.busName, Ids: [TRIGGER_TARGET_ID] }),
      );
      if ((output.FailedEntryCount ?? 0) > 0) {
        throw new Error(
          `EventBridge RemoveTargets failed for rule ${name}: ${failures(output.FailedEntries)}`,
        );
      }
      await this.client.send(new DeleteRuleCommand({ Name: name, EventBusName: this.busName }));
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return;
      throw error;
    }
  }

  private ruleName(triggerId: string): string {
    if (!TRIGGER_ID.test(triggerId)) {
      throw new Error(`trigger id ${JSON.stringify(triggerId)} cannot name an EventBridge rule`);
    }
    return `${TRIGGER_RULE_PREFIX}${triggerId}`;
  }
}

function failures(entries: { ErrorCode?: string; ErrorMessage?: string }[] | undefined): string {
  return (entries ?? []).map((entry) => `${entry.ErrorCode ?? '?'} (${entry.ErrorMessage ?? ''})`).join(', ');
}
