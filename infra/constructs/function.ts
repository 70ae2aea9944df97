import { Duration, Validations } from 'aws-cdk-lib';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/names.ts';
import { bundleTarget, esmRequireBanner, externalModules } from '../bundling.ts';
import { fromRepoRoot } from '../paths.ts';
import { logRetentionOf } from './settings.ts';

export interface FloeFunctionProps {
  /** The handler module, relative to the repository root (an `entry` of `shared/routes.ts`). */
  readonly entry: string;
  readonly description: string;
  /** Added to the variables every function gets. */
  readonly environment?: Record<string, string>;
  /** How long one invocation may run: API Gateway's 29 s by default; longer only for functions not behind it. */
  readonly timeout?: Duration;
}

/** API Gateway gives up on an integration after 29 s. */
export const DEFAULT_TIMEOUT = Duration.seconds(29);

/**
 * What Powertools reads in every function (shared/observability): the logs' service, the metrics' namespace,
 * and tracing on (set it to `false` on a function to stop tracing it without a deploy of the code).
 */
export const POWERTOOLS_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  POWERTOOLS_TRACE_ENABLED: 'true',
} as const;

/** Lambda's own retries of an asynchronous invocation that failed, before the event is a dead letter. */
export const ASYNC_RETRY_ATTEMPTS = 2;
/** EventBridge's retries of a delivery to a function it could not invoke, and for how long. */
export const EVENT_TARGET_RETRY_ATTEMPTS = 4;
export const EVENT_TARGET_MAX_EVENT_AGE = Duration.hours(1);
const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * One Lambda entry point: an ESM bundle on nodejs24.x/arm64 with its own log group and its own role, which
 * starts with nothing but writing to that log group (no AWSLambdaBasicExecutionRole: it allows every log
 * group) and X-Ray traces. Callers grant what the handler needs.
 */
export class FloeFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  private asyncDeadLetters?: sqs.Queue;

  constructor(scope: Construct, id: string, props: FloeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logRetentionOf(this) });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: fromRepoRoot(props.entry),
      handler: 'handler',
      projectRoot: fromRepoRoot('.'),
      depsLockFilePath: fromRepoRoot('package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...POWERTOOLS_ENVIRONMENT,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      // The bundle-size benchmark (test/bench) builds with the same settings from infra/bundling.ts.
      bundling: {
        format: OutputFormat.ESM,
        target: bundleTarget,
        banner: esmRequireBanner,
        minify: true,
        sourceMap: true,
        // nodejs24.x provides the AWS SDK v3.
        externalModules,
      },
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "Active tracing's xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level " +
        'permission.',
    });
  }

  /**
   * The dead-letter queue of the function's asynchronous invocations (EventBridge's), made on first use: an
   * event the function still failed on after Lambda's retries lands here (an on-failure destination), and so
   * does one EventBridge could not deliver (see `eventTarget`).
   */
  deadLetters(): sqs.Queue {
    if (!this.asyncDeadLetters) {
      const queue = new sqs.Queue(this, 'DeadLetters', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: DEAD_LETTER_RETENTION,
      });
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is itself a dead-letter queue: the function's failed asynchronous invocations and the " +
          'events EventBridge could not deliver to it.',
      });
      this.function.configureAsyncInvoke({
        onFailure: new SqsDestination(queue),
        retryAttempts: ASYNC_RETRY_ATTEMPTS,
      });
      this.asyncDeadLetters = queue;
    }
    return this.asyncDeadLetters;
  }

  /** The dead-letter queue of asynchronous invocations, if the function has one (see `deadLetters`). */
  get deadLetterQueue(): sqs.Queue | undefined {
    return this.asyncDeadLetters;
  }

  /** The function as an EventBridge rule's target, with retries and the function's dead-letter queue. */
  eventTarget(): targets.LambdaFunction {
    return new targets.LambdaFunction(this.function, {
      deadLetterQueue: this.deadLetters(),
      retryAttempts: EVENT_TARGET_RETRY_ATTEMPTS,
      maxEventAge: EVENT_TARGET_MAX_EVENT_AGE,
    });
  }
}
