/**
 * Operating Floe in AWS (infra/constructs/operations.ts and the functions' settings): tracing and Powertools'
 * environment on every function, dead-letter queues and their alarms, error and NodeMachine alarms, the alarm
 * topic, the API's throttling, and no wildcard action in any policy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build.ts';
import { DEFAULT_API_THROTTLE } from '../../infra/constructs/api.ts';
import {
  ASYNC_RETRY_ATTEMPTS,
  EVENT_TARGET_MAX_EVENT_AGE,
  EVENT_TARGET_RETRY_ATTEMPTS,
} from '../../infra/constructs/function.ts';
import type { FloeStack } from '../../infra/stack.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/names.ts';
import { asList, type CfnResource, type Json, referencedIds, SynthesizedStack } from './template-support.ts';

let synthesized: SynthesizedStack;
let stack: FloeStack;
let cfn: Record<string, CfnResource>;
/** The stack with an alarm email and both API limits from context (each test reads its own settings). */
let tuned: SynthesizedStack;
const ALARM_EMAIL = 'ops@example.com';

const ofType = (type: string) => synthesized.ofType(type);
const logicalId = (construct: IConstruct) => synthesized.logicalId(construct);
/** Every alarm's properties, with its logical id. */
const alarms = (): Json[] =>
  ofType('AWS::CloudWatch::Alarm').map(([id, alarm]): Json => ({ ...alarm.Properties, id }));

/** The alarms on one metric whose dimension `name` refers to the resource `target`. */
function alarmsOn(namespace: string, metric: string, name: string, target: string) {
  return alarms().filter(
    (alarm) =>
      alarm.Namespace === namespace &&
      alarm.MetricName === metric &&
      (alarm.Dimensions as { Name: string; Value: unknown }[]).some(
        (dimension) => dimension.Name === name && referencedIds(dimension.Value).includes(target),
      ),
  );
}

/** Queues that are some queue's redrive target, some function's on-failure destination or some target's DLQ. */
function deadLetterQueueIds(): Set<string> {
  const ids = new Set<string>();
  for (const [, queue] of ofType('AWS::SQS::Queue')) {
    const redrive = queue.Properties.RedrivePolicy as { deadLetterTargetArn: unknown } | undefined;
    if (redrive) for (const id of referencedIds(redrive.deadLetterTargetArn)) ids.add(id);
  }
  for (const [, config] of ofType('AWS::Lambda::EventInvokeConfig')) {
    for (const id of referencedIds(config.Properties.DestinationConfig)) ids.add(id);
  }
  for (const [, rule] of ofType('AWS::Events::Rule')) {
    for (const target of (rule.Properties.Targets ?? []) as Json[]) {
      for (const id of referencedIds(target.DeadLetterConfig)) ids.add(id);
    }
  }
  return new Set([...ids].filter((id) => cfn[id]?.Type === 'AWS::SQS::Queue'));
}

/** Every policy document of the template, with where it is. */
function policyDocuments(): { where: string; statements: Json[] }[] {
  const documents: { where: string; statements: Json[] }[] = [];
  for (const [id, resource] of Object.entries(cfn)) {
    const properties = resource.Properties ?? {};
    const add = (document: unknown, where = id) => {
      if (document && typeof document === 'object') {
        documents.push({ where, statements: asList((document as { Statement: Json | Json[] }).Statement) });
      }
    };
    add(properties.PolicyDocument);
    add(properties.KeyPolicy);
    for (const inline of (properties.Policies ?? []) as { PolicyDocument: unknown }[])
      add(inline.PolicyDocument, `${id} (inline)`);
  }
  return documents;
}

beforeAll(() => {
  synthesized = new SynthesizedStack();
  ({ stack, cfn } = synthesized);
  tuned = new SynthesizedStack({
    context: { 'floe:alarmEmail': ALARM_EMAIL, 'floe:apiRateLimit': '25', 'floe:apiBurstLimit': '50' },
  });
});

describe('functions', () => {
  it('all trace actively and get the Powertools environment', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(20);
    for (const [id, fn] of functions) {
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect((fn.Properties.Environment as { Variables: Json }).Variables, id).toMatchObject({
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_TRACE_ENABLED: 'true',
      });
    }
    expect([SERVICE_NAME, METRICS_NAMESPACE]).toEqual(['floe', 'Floe']);
  });

  it('each have an alarm on their errors, at the first one', () => {
    for (const [id] of ofType('AWS::Lambda::Function')) {
      const found = alarmsOn('AWS/Lambda', 'Errors', 'FunctionName', id);
      expect(found, id).toHaveLength(1);
      expect(found[0], id).toMatchObject({
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });
});

describe('dead-letter queues', () => {
  it('are the mailbox one and one per function invoked asynchronously, and every other queue has one', () => {
    const deadLetters = deadLetterQueueIds();
    const asynchronous = [
      stack.engine.nodeEvents,
      stack.events.tick,
      stack.events.triggerTarget,
      stack.events.webhookDelivery,
    ];
    const expected = [stack.engine.mailboxDeadLetters, ...asynchronous.map((fn) => fn.deadLetterQueue!)].map(
      logicalId,
    );
    expect([...deadLetters].sort()).toEqual(expected.sort());
    for (const [id, queue] of ofType('AWS::SQS::Queue')) {
      if (!deadLetters.has(id)) expect(queue.Properties.RedrivePolicy, id).toBeDefined();
    }
  });

  it('each have an alarm as soon as they hold a message', () => {
    for (const id of deadLetterQueueIds()) {
      const found = alarmsOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', id);
      expect(found, id).toHaveLength(1);
      expect(found[0], id).toMatchObject({
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
      });
    }
  });

  it("take asynchronous invocations that failed after Lambda's retries", () => {
    const configs = ofType('AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(4);
    for (const fn of [
      stack.engine.nodeEvents,
      stack.events.tick,
      stack.events.triggerTarget,
      stack.events.webhookDelivery,
    ]) {
      const config = configs.find(([, c]) =>
        referencedIds(c.Properties.FunctionName).includes(logicalId(fn.function)),
      );
      expect(config?.[1].Properties, fn.node.path).toMatchObject({
        MaximumRetryAttempts: ASYNC_RETRY_ATTEMPTS,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(fn.deadLetterQueue!), 'Arn'] } },
        },
      });
    }
  });

  it("take the events every rule's target could not be given, after retries", () => {
    for (const [id, rule] of ofType('AWS::Events::Rule')) {
      for (const target of rule.Properties.Targets as Json[]) {
        const [functionId] = referencedIds(target.Arn);
        const fn = [stack.engine.nodeEvents, stack.events.tick, stack.events.webhookDelivery].find(
          (candidate) => logicalId(candidate.function) === functionId,
        );
        expect(fn, id).toBeDefined();
        expect(target, id).toMatchObject({
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(fn!.deadLetterQueue!), 'Arn'] } },
          RetryPolicy: {
            MaximumRetryAttempts: EVENT_TARGET_RETRY_ATTEMPTS,
            MaximumEventAgeInSeconds: EVENT_TARGET_MAX_EVENT_AGE.toSeconds(),
          },
        });
      }
    }
  });
});

describe('NodeMachine', () => {
  it('raises an alarm on a failed and on a timed-out execution', () => {
    const machine = logicalId(stack.engine.nodeMachine);
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      const found = alarmsOn('AWS/States', metric, 'StateMachineArn', machine);
      expect(found, metric).toHaveLength(1);
      expect(found[0], metric).toMatchObject({
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });
});

describe('alarm topic', () => {
  it('is the one topic, refuses requests without TLS, lets CloudWatch publish, and is an output', () => {
    const topics = ofType('AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const topic = logicalId(stack.operations.topic);
    const policies = ofType('AWS::SNS::TopicPolicy').filter(([, policy]) =>
      referencedIds(policy.Properties.Topics).includes(topic),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]![1].Properties.PolicyDocument as { Statement: Json[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    );
    synthesized.template.hasOutput('AlarmTopicArn', { Value: { Ref: topic } });
  });

  it("is every alarm's action, and each alarm is named after the stack", () => {
    const topic = logicalId(stack.operations.topic);
    const all = alarms();
    // A function, a dead-letter queue or the NodeMachine each.
    expect(all.length).toBe(ofType('AWS::Lambda::Function').length + deadLetterQueueIds().size + 2);
    for (const alarm of all) {
      expect(alarm.AlarmActions, String(alarm.id)).toEqual([{ Ref: topic }]);
      expect(alarm.AlarmName, String(alarm.id)).toMatch(/^Floe-[A-Za-z0-9-]+$/);
      expect(alarm.AlarmDescription, String(alarm.id)).toMatch(/^Floe: /);
    }
    expect(new Set(all.map((alarm) => alarm.AlarmName)).size).toBe(all.length);
  });

  it('gets an email subscription from context floe:alarmEmail only', () => {
    expect(ofType('AWS::SNS::Subscription')).toHaveLength(0);
    const subscriptions = tuned.ofType('AWS::SNS::Subscription');
    expect(subscriptions.map(([, subscription]) => subscription.Properties)).toEqual([
      {
        Protocol: 'email',
        Endpoint: ALARM_EMAIL,
        TopicArn: { Ref: tuned.logicalId(tuned.stack.operations.topic) },
      },
    ]);
    expect(() => buildApp({ bundling: false, context: { 'floe:alarmEmail': 'ops' } })).toThrow(
      /floe:alarmEmail/,
    );
  });
});

describe('API throttling', () => {
  const throttling = (s: SynthesizedStack) =>
    s.ofType('AWS::ApiGatewayV2::Stage').map(([, stage]) => stage.Properties.DefaultRouteSettings);

  it('limits the stage by default', () => {
    expect(DEFAULT_API_THROTTLE).toEqual({ rateLimit: 100, burstLimit: 200 });
    expect(throttling(synthesized)).toEqual([{ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 }]);
  });

  it('takes the limits from context floe:apiRateLimit and floe:apiBurstLimit, each alone too', () => {
    expect(throttling(tuned)).toEqual([{ ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 }]);
    // cdk.json may give a number.
    const burstOnly = new SynthesizedStack({ context: { 'floe:apiBurstLimit': 500 } });
    expect(throttling(burstOnly)).toEqual([{ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 500 }]);
    for (const [key, value] of [
      ['floe:apiRateLimit', '0'],
      ['floe:apiRateLimit', 'fast'],
      ['floe:apiBurstLimit', '2.5'],
    ] as const) {
      expect(() => buildApp({ bundling: false, context: { [key]: value } }), `${key}=${value}`).toThrow(key);
    }
  });
});

describe('policies', () => {
  it('grant no action with a wildcard, in any policy of the template', () => {
    const documents = policyDocuments();
    expect(documents.length).toBeGreaterThan(20);
    for (const { where, statements } of documents) {
      for (const statement of statements) {
        const actions = asList((statement.Action ?? []) as string | string[]);
        // The only wildcards are the enforceSSL denials of the queues and the topic: they take, never grant.
        // (No IAM policy has even a denial with one: stack.test.ts.)
        if (statement.Effect === 'Deny') continue;
        for (const action of actions) expect(action, where).not.toContain('*');
      }
    }
  });

  it('leave cdk-nag nothing unacknowledged, with the alarm email and the API limits too', () => {
    // The default stack's report is also stack.test.ts's; the tuned stack's subscription and stage are not.
    for (const synth of [synthesized, tuned]) {
      const reportFile = join(synth.assemblyDir, 'validation-report.json');
      expect(existsSync(reportFile)).toBe(true);
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: unknown[] };
      expect(report.pluginReports).toEqual([]);
    }
  });
});
