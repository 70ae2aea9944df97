/**
 * EventBridge → mailbox: a NodeMachine execution that FAILED, TIMED_OUT or was ABORTED never reached its
 * report state, so its run hears of the end here, as `finished` (`terminated` for a stop, `failed` otherwise).
 * A failed post throws, so Lambda's asynchronous retries try again.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { lambdaHandler } from '../../shared/observability/handler.ts';
import { logger } from '../../shared/observability/logger.ts';
import { abnormalEnd, type ExecutionStatusChangeDetail } from '../../shared/runtime/node-events.ts';
import { SqsMailbox } from '../../shared/runtime/sqs-mailbox.ts';

const mailbox = new SqsMailbox();

export type NodeExecutionEvent = EventBridgeEvent<string, ExecutionStatusChangeDetail>;

export const handler = lambdaHandler(async (event: NodeExecutionEvent): Promise<void> => {
  const post = abnormalEnd(event.detail, event.time);
  if (!post) {
    logger.warn('ignored a status change that names no node attempt', {
      status: event.detail.status,
      executionArn: event.detail.executionArn,
    });
    return;
  }
  logger.appendKeys({ runId: post.runId, nodeKey: post.event.key, attempt: post.event.attempt });
  logger.info('a node execution ended without reporting', { status: event.detail.status });
  await mailbox.post(post.runId, post.event);
});
