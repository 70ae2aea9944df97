import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type NodeMachineSubstitutions, nodeMachineDefinition } from '../../shared/machines/node-machine.ts';
import { ABNORMAL_STATUSES, EXECUTION_STATUS_CHANGE } from '../../shared/runtime/node-events.ts';
import { FloeFunction } from './function.ts';
import type { FloeHandlers } from './handlers.ts';
import { nagWildcardId, stackArn } from './nag.ts';
import { logRetentionOf } from './settings.ts';
import type { FloeSteps } from './steps.ts';

/** The mailbox consumer's entry (SQS batches, partial batch failures). */
export const MAILBOX_ENTRY = 'functions/mailbox/handler.ts';
export const NODE_EVENTS_ENTRY = 'functions/node-events/handler.ts';
export const CACHE_CHECK_ENTRY = 'functions/cache-check/handler.ts';

/** Deliveries of one mailbox message before it moves to the dead-letter queue. */
export const MAILBOX_MAX_RECEIVES = 5;
/** AWS's advice for an SQS event source: visibility timeout ≥ 6 × the function's timeout. */
export const VISIBILITY_FACTOR = 6;
const MESSAGE_RETENTION = Duration.days(14);

export interface FloeEngineProps {
  readonly handlers: FloeHandlers;
  /** Where steps run: the cluster, network, roles and log group, and the grants for them. */
  readonly steps: FloeSteps;
}

/**
 * Run execution: the per-run mailbox (an SQS FIFO queue, one message group per run) and its consumer; the
 * NodeMachine (one Standard execution per node attempt, from the ASL in shared/machines), which runs steps
 * where `steps` says; and the EventBridge rule that tells a run about node executions that ended without
 * reporting.
 */
export class FloeEngine extends Construct {
  readonly mailbox: sqs.Queue;
  readonly mailboxDeadLetters: sqs.Queue;
  readonly mailboxConsumer: FloeFunction;
  readonly nodeMachine: sfn.StateMachine;
  readonly nodeMachineName: string;
  readonly nodeMachineRole: iam.Role;
  readonly nodeMachineLogs: logs.LogGroup;
  readonly nodeEvents: FloeFunction;
  readonly cacheCheck: FloeFunction;
  readonly nodeEventsRule: events.Rule;

  constructor(scope: Construct, id: string, props: FloeEngineProps) {
    super(scope, id);
    const { handlers, steps } = props;
    const stack = Stack.of(this);
    // Named, so that the ARNs of executions (and the permissions on them) read plainly.
    this.nodeMachineName = `${stack.stackName}-NodeMachine`;

    // The consumer first: the queue's visibility timeout follows from its timeout.
    this.mailboxConsumer = handlers.dataFunction(this, 'MailboxConsumer', {
      entry: MAILBOX_ENTRY,
      description: 'Floe run mailbox consumer',
    });
    const consumerTimeout = this.mailboxConsumer.function.timeout ?? Duration.seconds(3);

    this.mailboxDeadLetters = new sqs.Queue(this, 'MailboxDeadLetters', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: MESSAGE_RETENTION,
    });
    this.mailbox = new sqs.Queue(this, 'Mailbox', {
      fifo: true,
      // Senders pass ids anyway: the mailbox adapter the body's SHA-256 (the same hash), the NodeMachine
      // `<execution>.<kind>`.
      contentBasedDeduplication: true,
      // High-throughput FIFO: order and deduplication per run, throughput limits per run, not per queue.
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: MESSAGE_RETENTION,
      visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * VISIBILITY_FACTOR),
      deadLetterQueue: { queue: this.mailboxDeadLetters, maxReceiveCount: MAILBOX_MAX_RECEIVES },
    });

    // The run cache's check, which the NodeMachine invokes before a job whose step has the cache on.
    this.cacheCheck = handlers.dataFunction(this, 'CacheCheck', {
      entry: CACHE_CHECK_ENTRY,
      description: 'Floe: the run cache check of a node execution',
    });

    // The NodeMachine, from the very definition the local interpreter runs.
    this.nodeMachineLogs = new logs.LogGroup(this, 'NodeMachineLogs', { retention: logRetentionOf(this) });
    this.nodeMachineRole = new iam.Role(this, 'NodeMachineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Runs Floe node executions: reports to the mailbox, runs container, lambda and http steps',
    });
    const substitutions: NodeMachineSubstitutions = {
      MailboxQueueUrl: this.mailbox.queueUrl,
      ClusterArn: steps.cluster.attrArn,
      HttpConnectionArn: steps.httpConnection.connectionArn,
      CacheCheckFunctionArn: this.cacheCheck.function.functionArn,
    };
    this.nodeMachine = new sfn.StateMachine(this, 'NodeMachine', {
      stateMachineName: this.nodeMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(nodeMachineDefinition())),
      definitionSubstitutions: { ...substitutions },
      role: this.nodeMachineRole,
      tracingEnabled: true,
      logs: { destination: this.nodeMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.mailbox.grantSendMessages(this.nodeMachineRole);
    // The function itself, not `grantInvoke`'s `:*` (versions and aliases, which Floe does not publish).
    this.nodeMachineRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.cacheCheck.function.functionArn],
      }),
    );
    steps.grantRun(this.nodeMachineRole, this.nodeMachineName);
    Validations.of(this.nodeMachineRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray trace writes and the CloudWatch Logs log-delivery actions that Step Functions logging ' +
        'needs, none of which supports resource-level permissions.',
    });

    // The consumer (the table and secrets as the resource handlers): the mailbox, and node executions.
    this.mailboxConsumer.function.addEnvironment('FLOE_NODE_MACHINE_ARN', this.nodeMachine.stateMachineArn);
    this.mailboxConsumer.function.addEnvironment('FLOE_MAILBOX_URL', this.mailbox.queueUrl);
    // It places container jobs (registers their task definitions) before starting their executions.
    for (const [name, value] of Object.entries(steps.placerEnvironment()))
      this.mailboxConsumer.function.addEnvironment(name, value);
    steps.grantPlace(this.mailboxConsumer.role);
    this.mailboxConsumer.function.addEventSource(
      new SqsEventSource(this.mailbox, { batchSize: 10, reportBatchItemFailures: true }),
    );
    // It answers `readArtifacts` commands by posting `artifactsRead` to the mailbox.
    this.mailbox.grantSendMessages(this.mailboxConsumer.role);
    this.nodeMachine.grantStartExecution(this.mailboxConsumer.role);
    const executions = `execution:${this.nodeMachineName}:*`;
    this.mailboxConsumer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['states:StopExecution'],
        resources: [stackArn(this, 'states', executions)],
      }),
    );
    Validations.of(this.mailboxConsumer.role).acknowledge({
      id: nagWildcardId('states', executions),
      reason:
        'StopExecution is limited to executions of the NodeMachine, which are named per node attempt at run ' +
        'time, so the execution name cannot be narrower.',
    });

    // Node executions that ended without reporting → the mailbox.
    this.nodeEvents = new FloeFunction(this, 'NodeEvents', {
      entry: NODE_EVENTS_ENTRY,
      description: 'Floe: node executions that failed, timed out or were stopped, to the run mailbox',
      environment: { FLOE_MAILBOX_URL: this.mailbox.queueUrl },
    });
    this.mailbox.grantSendMessages(this.nodeEvents.role);
    this.nodeEventsRule = new events.Rule(this, 'NodeEventsRule', {
      description: 'Floe: NodeMachine executions that ended without reporting',
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: {
          status: [...ABNORMAL_STATUSES],
          stateMachineArn: [this.nodeMachine.stateMachineArn],
        },
      },
      targets: [this.nodeEvents.eventTarget()],
    });

    // The run resources post operator actions (stop, retry, pause, node actions…) to the mailbox.
    for (const resource of [handlers.resources.run, handlers.resources.runNode, handlers.resources.task]) {
      resource.function.addEnvironment('FLOE_MAILBOX_URL', this.mailbox.queueUrl);
      this.mailbox.grantSendMessages(resource.role);
    }
    // The node resource answers callback and approval steps: their executions wait on a task token.
    this.nodeMachine.grantTaskResponse(handlers.resources.runNode.role);
    // The log resource reads step logs from CloudWatch Logs.
    const log = handlers.resources.log;
    for (const [name, value] of Object.entries(steps.logReaderEnvironment()))
      log.function.addEnvironment(name, value);
    steps.grantReadLogs(log.role);
  }
}
