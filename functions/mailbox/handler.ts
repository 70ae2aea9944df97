/**
 * The runs' consumer in AWS: SQS FIFO delivers each run's events in order (the run is the message group), and
 * this applies each run's events of the batch as one reconcile pass. When a run's pass fails, its messages are
 * reported as failures, so SQS delivers them again (and, FIFO, holds back the run's later ones).
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runEngine } from '../../shared/app/engine.ts';
import type { RunEvent } from '../../shared/engine/run/model.ts';
import type { MailboxMessage } from '../../shared/machines/node-machine.ts';
import { lambdaHandler } from '../../shared/observability/handler.ts';
import { logger } from '../../shared/observability/logger.ts';

export const handler = lambdaHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const byRun = new Map<string, { ids: string[]; events: RunEvent[] }>();
  for (const record of event.Records) {
    const message = JSON.parse(record.body) as MailboxMessage;
    const group = byRun.get(message.runId) ?? { ids: [], events: [] };
    group.ids.push(record.messageId);
    group.events.push(message.event);
    byRun.set(message.runId, group);
  }
  // Runs are applied side by side, so each line names its run itself (appended keys would be shared).
  const failures: string[] = [];
  await Promise.all(
    [...byRun].map(async ([runId, { ids, events }]) => {
      logger.debug('applying events', { runId, events: events.map((runEvent) => runEvent.type) });
      try {
        await runEngine().apply(runId, events);
      } catch (error) {
        logger.error('applying events failed: SQS delivers them again', {
          runId,
          events: events.length,
          error,
        });
        failures.push(...ids);
      }
    }),
  );
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
});
