import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type ApiThrottle, FloeApi } from './constructs/api.ts';
import { FloeEngine } from './constructs/engine.ts';
import { FloeEvents } from './constructs/events.ts';
import { FloeHandlers } from './constructs/handlers.ts';
import { FloeOperations } from './constructs/operations.ts';
import { FloeSecrets } from './constructs/secrets.ts';
import { stepSettingsOf } from './constructs/settings.ts';
import { FloeSteps } from './constructs/steps.ts';
import { FloeTable } from './constructs/table.ts';

export interface FloeStackProps extends StackProps {
  /** Lifetime of login tokens in hours (`FLOE_TOKEN_TTL_HOURS`); unset for tokens that never expire. */
  readonly tokenTtlHours?: number;
  /** Root's first password from a secret of your own (its full ARN), instead of a generated one. */
  readonly rootPasswordSecretArn?: string;
  /** Subscribed to the alarm topic (`floe:alarmEmail`). */
  readonly alarmEmail?: string;
  /** The API stage's throttling (`floe:apiRateLimit`, `floe:apiBurstLimit`); FloeApi's default when absent. */
  readonly apiThrottle?: Partial<ApiThrottle>;
}

/**
 * Floe in AWS: the table, the secrets, one function per resource and the HTTP API in front, and the engine
 * that runs pipelines (mailbox, NodeMachine, container steps); Floe's event bus, the schedules tick, triggers
 * and webhooks.
 */
export class FloeStack extends Stack {
  readonly data: FloeTable;
  readonly secrets: FloeSecrets;
  readonly handlers: FloeHandlers;
  readonly steps: FloeSteps;
  readonly engine: FloeEngine;
  readonly events: FloeEvents;
  readonly api: FloeApi;
  readonly operations: FloeOperations;

  constructor(scope: Construct, id: string, props: FloeStackProps = {}) {
    super(scope, id, props);
    this.data = new FloeTable(this, 'Data');
    this.secrets = new FloeSecrets(this, 'Secrets', props.rootPasswordSecretArn);
    const stepSettings = stepSettingsOf(this);
    this.steps = new FloeSteps(this, 'Steps', stepSettings);
    this.handlers = new FloeHandlers(this, 'Handlers', {
      table: this.data,
      secrets: this.secrets,
      efsFileSystemIds: stepSettings.efsFileSystemIds,
      lambdaFunctionPrefix: stepSettings.lambdaFunctionPrefix,
      ...(props.tokenTtlHours === undefined ? {} : { tokenTtlHours: props.tokenTtlHours }),
    });
    this.engine = new FloeEngine(this, 'Engine', { handlers: this.handlers, steps: this.steps });
    this.events = new FloeEvents(this, 'Events', { handlers: this.handlers, engine: this.engine });
    this.api = new FloeApi(this, 'Api', {
      handlers: this.handlers,
      ...(props.apiThrottle === undefined ? {} : { throttle: props.apiThrottle }),
    });
    // Last: it alarms on every function and dead-letter queue the stack holds.
    this.operations = new FloeOperations(this, 'Operations', {
      nodeMachine: this.engine.nodeMachine,
      ...(props.alarmEmail === undefined ? {} : { alarmEmail: props.alarmEmail }),
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the API (PaddleFlow clients: server address)',
      value: this.api.url,
    });
    new CfnOutput(this, 'TableName', { description: 'The DynamoDB table', value: this.data.tableName });
    new CfnOutput(this, 'StepSecurityGroupId', {
      description:
        "The security group of step tasks: let it reach your EFS file systems' mount targets (NFS, 2049)",
      value: this.steps.securityGroup.attrGroupId,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description:
        'Where every alarm of the stack notifies: subscribe to it (or deploy with -c floe:alarmEmail=…)',
      value: this.operations.topic.topicArn,
    });
    new CfnOutput(this, 'EventBusName', {
      description: "Floe's event bus: status events, and the rules of triggers",
      value: this.events.busName,
    });
  }
}
