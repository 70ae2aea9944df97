/**
 * What the NodeMachine's states are built from: the `${…}` placeholders, the mailbox reports, the retries of
 * AWS calls, and the Pass that sets an outcome.
 */
import type { RunEvent } from '../engine/run/model.ts';
import { NODE_STATES } from './node-states.ts';

/** The `${…}` placeholders of the definition: CDK's `definitionSubstitutions`, local values locally. */
export interface NodeMachineSubstitutions {
  /** The mailbox FIFO queue's URL. */
  MailboxQueueUrl: string;
  /** The ECS cluster container steps run on (each job's task definition comes in its input). */
  ClusterArn: string;
  /** The function that checks the run cache (shared/services/cache-check.ts). */
  CacheCheckFunctionArn: string;
  /** The EventBridge connection http steps call through (Step Functions' HTTP Task requires one). */
  HttpConnectionArn: string;
}

export const NODE_MACHINE_SUBSTITUTION_KEYS: readonly (keyof NodeMachineSubstitutions)[] = [
  'MailboxQueueUrl',
  'ClusterArn',
  'CacheCheckFunctionArn',
  'HttpConnectionArn',
];

/** `${key}`: where a substitution goes in the definition. */
export const placeholder = (key: keyof NodeMachineSubstitutions) => `\${${key}}`;

/** The mailbox message the report states send: what `Mailbox.post(runId, event)` carries. */
export interface MailboxMessage {
  runId: string;
  event: RunEvent;
}

/** A Retry of these errors, six times, one second then doubling with full jitter: every AWS call's policy. */
export const retryOn = (errors: string[]) => [
  { ErrorEquals: errors, IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 6, JitterStrategy: 'FULL' },
];

/** Reports are cheap and idempotent (deduplicated by id): retry them through throttling and blips. */
const REPORT_RETRY = retryOn(['States.ALL']);

/** Lambda's transient errors, as the Step Functions console's Lambda template retries them. */
export const LAMBDA_RETRY = retryOn([
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
]);

/** A deduplication id (an intrinsic) for one message of a kind per execution. */
export const oncePerExecution = (kind: string) => `States.Format('{}.${kind}', $$.Execution.Name)`;

/**
 * The parameters of a message to the run's mailbox: one FIFO message in the run's group, deduplicated by
 * `dedup` (an intrinsic; see `oncePerExecution`). `event` is the event's fields, or `{'event.$': path}` for
 * an event built elsewhere.
 */
export function mailboxMessage(dedup: string, event: Record<string, unknown>) {
  return {
    QueueUrl: placeholder('MailboxQueueUrl'),
    'MessageGroupId.$': '$.job.runId',
    'MessageDeduplicationId.$': dedup,
    // Step Functions serialises a JSON MessageBody to a string.
    MessageBody: { 'runId.$': '$.job.runId', ...event },
  };
}

/**
 * A Task that posts to the mailbox (a cache hit's `finished` and the job's own cannot both be sent: one
 * execution takes one path, so one deduplication id per kind is enough).
 */
export function toMailbox(dedup: string, event: Record<string, unknown>) {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::sqs:sendMessage',
    Parameters: mailboxMessage(dedup, event),
    ResultPath: null,
    Retry: REPORT_RETRY,
  };
}

/** The fields every event of this execution carries: its node and attempt, and when it was sent. */
export const eventOf = (type: RunEvent['type'], fields: Record<string, unknown>) => ({
  event: {
    type,
    'key.$': '$.job.key',
    'attempt.$': '$.job.attempt',
    ...fields,
    'at.$': '$$.State.EnteredTime',
  },
});

/** A report of this execution's own, deduplicated by its kind. */
export const report = (kind: 'started' | 'finished', fields: Record<string, unknown>) =>
  toMailbox(oncePerExecution(kind), eventOf(kind, fields));

/**
 * A Pass that sets `$.outcome` ({status, message, taskArn}) and goes to `next` (by default, ReportFinished).
 * `fields` gives the message (`message` or `message.$`) and, for a container's outcome, the task's ARN
 * (`taskArn.$`); without one the outcome's `taskArn` is `''` (no task ran).
 */
export function outcome(
  status: 'succeeded' | 'failed' | 'terminated',
  fields: Record<string, string>,
  next: string = NODE_STATES.reportFinished,
) {
  return {
    Type: 'Pass',
    Parameters: { status, ...('taskArn.$' in fields ? {} : { taskArn: '' }), ...fields },
    ResultPath: '$.outcome',
    Next: next,
  };
}
