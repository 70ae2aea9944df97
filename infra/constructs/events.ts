import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FIXED_RULES, type FixedTarget } from '../../shared/runtime/event-rules.ts';
import { TRIGGER_RULE_PREFIX } from '../../shared/runtime/eventbridge-trigger-rules.ts';
import type { FloeEngine } from './engine.ts';
import type { FloeFunction } from './function.ts';
import type { FloeHandlers } from './handlers.ts';
import { nagWildcardId, stackArn } from './nag.ts';

export const TICK_ENTRY = 'functions/tick/handler.ts';
export const TRIGGER_TARGET_ENTRY = 'functions/trigger-target/handler.ts';
export const WEBHOOK_DELIVERY_ENTRY = 'functions/webhook-delivery/handler.ts';

/** The tick works through one minute's schedules, so it may run longer than the API's 29 s. */
export const TICK_TIMEOUT = Duration.seconds(90);

/** What the trigger resource may do to its rules (EventBridgeTriggerRules, and reading them back). */
export const TRIGGER_RULE_ACTIONS = [
  'events:PutRule',
  'events:PutTargets',
  'events:RemoveTargets',
  'events:DeleteRule',
  'events:DescribeRule',
] as const;

/** Three attempts of up to 10 s each and their backoff (shared/services/webhook-post.ts), with room to spare. */
export const WEBHOOK_DELIVERY_TIMEOUT = Duration.seconds(60);

export interface FloeEventsProps {
  readonly handlers: FloeHandlers;
  readonly engine: FloeEngine;
}

/**
 * Floe's events: its own EventBridge bus, on which every function that runs the shared services publishes
 * status changes (`FLOE_EVENT_BUS_NAME`); the minute tick of schedules (a schedule rule on the default bus);
 * the fixed rules of shared/runtime/event-rules.ts on Floe's bus, to the tick and to webhook delivery; and
 * the trigger function, target of the rules (`floe-trigger-<id>`) that the trigger resource keeps on the bus.
 */
export class FloeEvents extends Construct {
  readonly bus: events.EventBus;
  /** The bus's name, plain (`<stack>-events`), so that rule ARNs and the permissions on them read plainly. */
  readonly busName: string;
  readonly tick: FloeFunction;
  readonly triggerTarget: FloeFunction;
  readonly webhookDelivery: FloeFunction;
  /** Every minute, on the default bus → the tick. */
  readonly minuteRule: events.Rule;
  /** The rules of FIXED_RULES on Floe's bus, by their id. */
  readonly fixedRules: Readonly<Record<string, events.Rule>>;
  /** The ARN pattern of the triggers' rules: `arn:…:rule/<bus>/floe-trigger-*`. */
  readonly triggerRuleArns: string;
  /** The functions that may put events on the bus and are told its name. */
  readonly publishers: readonly FloeFunction[];

  constructor(scope: Construct, id: string, props: FloeEventsProps) {
    super(scope, id);
    const { handlers, engine } = props;
    const stack = Stack.of(this);
    this.busName = `${stack.stackName}-events`;
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: this.busName,
      description: 'Floe: run, job and schedule status changes, and the events that start triggers',
    });

    this.tick = handlers.dataFunction(this, 'Tick', {
      entry: TICK_ENTRY,
      description: 'Floe: the schedules tick',
      timeout: TICK_TIMEOUT,
    });
    this.triggerTarget = handlers.dataFunction(this, 'TriggerTarget', {
      entry: TRIGGER_TARGET_ENTRY,
      description: "Floe: starts a trigger's pipeline on an event its rule matched",
    });
    this.webhookDelivery = handlers.dataFunction(this, 'WebhookDelivery', {
      entry: WEBHOOK_DELIVERY_ENTRY,
      description: 'Floe: delivers status events to webhooks',
      timeout: WEBHOOK_DELIVERY_TIMEOUT,
    });

    // The tick and the trigger function start runs, which posts to the run's mailbox (as the run resource).
    for (const starter of [this.tick, this.triggerTarget]) {
      starter.function.addEnvironment('FLOE_MAILBOX_URL', engine.mailbox.queueUrl);
      engine.mailbox.grantSendMessages(starter.role);
    }

    // Every function of the shared services publishes status changes: on this bus only.
    this.publishers = [
      ...handlers.dataResources,
      engine.mailboxConsumer,
      this.tick,
      this.triggerTarget,
      this.webhookDelivery,
    ];
    for (const publisher of this.publishers) {
      publisher.function.addEnvironment('FLOE_EVENT_BUS_NAME', this.bus.eventBusName);
      this.bus.grantPutEventsTo(publisher.role);
    }

    this.minuteRule = new events.Rule(this, 'MinuteTick', {
      description: 'Floe: tick the schedules every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [this.tick.eventTarget()],
    });

    const fixedTargets: Record<FixedTarget, FloeFunction> = {
      tick: this.tick,
      webhooks: this.webhookDelivery,
    };
    const fixedRules: Record<string, events.Rule> = {};
    for (const rule of FIXED_RULES) {
      fixedRules[rule.id] = new events.Rule(this, rule.id, {
        eventBus: this.bus,
        description: `Floe: ${rule.description}`,
        // Raw EventBridge keys (`detail-type`, `exists`): CDK renders a pattern's keys as they are, renaming
        // only its own `detailType`. The template test checks the rendered pattern equals FIXED_RULES.
        eventPattern: rule.pattern as events.EventPattern,
        targets: [fixedTargets[rule.target].eventTarget()],
      });
    }
    this.fixedRules = fixedRules;

    // Triggers: the trigger resource keeps one rule per trigger on the bus, named with the prefix; the
    // trigger function is every such rule's target.
    const triggerRules = `rule/${this.busName}/${TRIGGER_RULE_PREFIX}*`;
    this.triggerRuleArns = stackArn(this, 'events', triggerRules);
    // Their targets are put at run time; an event the function fails on still ends in its dead-letter queue.
    this.triggerTarget.deadLetters();
    this.triggerTarget.function.addPermission('TriggerRules', {
      principal: new iam.ServicePrincipal('events.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceArn: this.triggerRuleArns,
    });
    const trigger = handlers.resources.trigger;
    trigger.function.addEnvironment('FLOE_TRIGGER_FUNCTION_ARN', this.triggerTarget.function.functionArn);
    trigger.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...TRIGGER_RULE_ACTIONS], resources: [this.triggerRuleArns] }),
    );
    Validations.of(trigger.role).acknowledge({
      id: nagWildcardId('events', triggerRules),
      reason:
        "Limited to the triggers' rules on Floe's bus (the floe-trigger- prefix), which the trigger resource " +
        'creates and deletes at run time, one per trigger, so their names cannot be known in advance.',
    });
  }
}
