/** Unconditional writes in bulk: BatchWriteItem, 25 requests per call, what DynamoDB leaves unprocessed retried. */
import { BatchWriteCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from './client.ts';
import { partitionKey, sortKey } from './table.ts';

/** DynamoDB's BatchWriteItem limit. */
const WRITE_BATCH = 25;

/** Writes `requests` (`{PutRequest}` / `{DeleteRequest}`), pausing a little longer before each retry. */
export async function batchWrite(ref: TableRef, requests: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < requests.length; i += WRITE_BATCH) {
    let pending: Record<string, unknown>[] | undefined = requests.slice(i, i + WRITE_BATCH);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 1000)));
      const result: BatchWriteCommandOutput = await ref.client.send(
        new BatchWriteCommand({ RequestItems: { [ref.table]: pending as never } }),
      );
      pending = result.UnprocessedItems?.[ref.table];
    }
  }
}

/**
 * Puts `items` in bulk. One batch may not name an item twice: an item named again is written once, as its last
 * version, as it would be one by one.
 */
export async function batchPut(ref: TableRef, items: Record<string, unknown>[]): Promise<void> {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const item of items) byKey.set(JSON.stringify([item[partitionKey], item[sortKey]]), item);
  await batchWrite(
    ref,
    [...byKey.values()].map((Item) => ({ PutRequest: { Item } })),
  );
}
