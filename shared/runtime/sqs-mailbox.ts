/**
 * The mailbox in AWS: one SQS FIFO queue for every run, each run its own message group, so one run's events
 * reach the consumer in order and one at a time while different runs proceed in parallel.
 *
 * Deduplication: the id is the SHA-256 of the message body, sent explicitly. SQS drops a message whose id it
 * saw in the last 5 minutes, which absorbs the SDK's and Lambda's retries of the same post; dropping a true
 * repeat is harmless because every run event is idempotent. Content-based deduplication on the queue computes
 * the same hash, but sending it makes the policy this code's, visible in tests, and independent of the
 * queue's setting.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { sha256Hex } from '../engine/run/ids.ts';
import type { RunEvent } from '../engine/run/model.ts';
import { traced } from '../observability/tracer.ts';
import { requiredEnv } from './env.ts';
import type { Mailbox } from './ports.ts';

let client: SQSClient | undefined;
/** One client per container, made on first use. */
const sqsClient = () => (client ??= traced(new SQSClient({})));

const mailboxDeduplicationId = sha256Hex;

export class SqsMailbox implements Mailbox {
  /** `queueUrl` defaults to `FLOE_MAILBOX_URL`, read when the first event is posted. */
  constructor(private readonly queueUrl?: string) {}

  async post(runId: string, event: RunEvent): Promise<void> {
    const queueUrl = this.queueUrl ?? requiredEnv('FLOE_MAILBOX_URL');
    const body = JSON.stringify({ runId, event });
    await sqsClient().send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageGroupId: runId,
        MessageDeduplicationId: mailboxDeduplicationId(body),
        MessageBody: body,
      }),
    );
  }
}
