import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { FloeFunction } from './function.ts';

/** The window each alarm looks at. */
export const ALARM_PERIOD = Duration.minutes(5);

export interface FloeOperationsProps {
  /** The NodeMachine: its failed and timed-out executions raise alarms. */
  readonly nodeMachine: sfn.IStateMachine;
  /** Subscribed to the alarm topic (`floe:alarmEmail`); AWS asks the address to confirm. */
  readonly alarmEmail?: string;
}

/** What an alarm watches, for its name and description. */
interface Watch {
  /** Where in the stack, e.g. `Handlers-User` (the construct path below the stack). */
  readonly subject: string;
  /** What of it: the alarm's id is `<subject>-<name>`. */
  readonly name: string;
  readonly metric: cloudwatch.IMetric;
  /** The condition, in words, as the description says it. */
  readonly when: string;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
}

/**
 * Operating Floe: one SNS topic for every alarm of the stack (with an optional email subscription), and the
 * alarms: each function's errors, each dead-letter queue's messages (the mailbox's, and those of the functions
 * invoked asynchronously), and the NodeMachine's failed and timed-out executions. Functions and dead-letter
 * queues are found in the stack, so the construct comes last and watches whatever the stack holds by then.
 */
export class FloeOperations extends Construct {
  readonly topic: sns.Topic;
  /** Alarms by their construct id (`<subject>-<metric>`). */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: FloeOperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${stack.stackName} alarms`,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one: CloudWatch may publish, for alarms of this account only.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names, states and metric values; CloudWatch cannot publish to a ' +
        'topic under the AWS managed SNS key, and a customer managed key would need a key policy with ' +
        'wildcard KMS actions, which this stack allows nowhere.',
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const action = new SnsAction(this.topic);
    const alarms: Record<string, cloudwatch.Alarm> = {};
    for (const watch of watches(stack, props.nodeMachine)) {
      const id = `${watch.subject}-${watch.name}`;
      const alarm = new cloudwatch.Alarm(this, id, {
        alarmName: `${stack.stackName}-${id}`,
        alarmDescription: `Floe: ${watch.subject} ${watch.when}`,
        metric: watch.metric,
        threshold: watch.threshold,
        comparisonOperator: watch.comparison,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarms[id] = alarm;
    }
    this.alarms = alarms;
  }
}

/** Everything the stack should be alarmed on. */
function watches(stack: Stack, nodeMachine: sfn.IStateMachine): Watch[] {
  const all = stack.node.findAll();
  const functions = all.filter((construct): construct is FloeFunction => construct instanceof FloeFunction);
  const atLeastOnce = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
  return [
    ...functions.map((fn) => ({
      subject: subjectOf(stack, fn),
      name: 'Errors',
      metric: fn.function.metricErrors({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      when: 'failed: the function threw or timed out at least once in 5 minutes',
      threshold: 1,
      comparison: atLeastOnce,
    })),
    ...deadLetterQueues(all, functions).map((queue) => ({
      subject: subjectOf(stack, queue),
      name: 'Messages',
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: ALARM_PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      when: 'holds dead letters: events that were given up on; read them, then redrive or purge',
      threshold: 0,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    })),
    {
      subject: subjectOf(stack, nodeMachine),
      name: 'ExecutionsFailed',
      metric: nodeMachine.metricFailed({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      when: 'executions failed: a node attempt ended without reporting (its run hears of it as failed)',
      threshold: 1,
      comparison: atLeastOnce,
    },
    {
      subject: subjectOf(stack, nodeMachine),
      name: 'ExecutionsTimedOut',
      metric: nodeMachine.metricTimedOut({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      when: 'executions timed out',
      threshold: 1,
      comparison: atLeastOnce,
    },
  ];
}

/** Every queue some queue redrives to, and every function's dead-letter queue of asynchronous invocations. */
function deadLetterQueues(all: IConstruct[], functions: FloeFunction[]): sqs.IQueue[] {
  const queues = all.filter((construct): construct is sqs.Queue => construct instanceof sqs.Queue);
  const found = new Set<sqs.IQueue>();
  for (const queue of queues) if (queue.deadLetterQueue) found.add(queue.deadLetterQueue.queue);
  for (const fn of functions) if (fn.deadLetterQueue) found.add(fn.deadLetterQueue);
  return [...found];
}

/** `Floe/Events/Tick` → `Events-Tick`. */
const subjectOf = (stack: Stack, construct: IConstruct) =>
  construct.node.path.slice(stack.node.path.length + 1).replaceAll('/', '-');
