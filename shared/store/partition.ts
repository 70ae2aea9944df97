/** Whole-partition operations: an entity whose items share a partition (a pipeline, a run) goes as one. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from './batch-write.ts';
import type { TableRef } from './client.ts';
import { partitionKey, sortKey } from './table.ts';

/**
 * Every item of a partition, page by page (strongly consistent): only the named attributes with `projection`,
 * only the sort keys that begin with `prefix` with one.
 */
export async function* partitionItems(
  ref: TableRef,
  partition: string,
  options: { projection?: string[]; prefix?: string } = {},
): AsyncGenerator<Record<string, unknown>[]> {
  const { projection, prefix } = options;
  let start: Record<string, unknown> | undefined;
  do {
    const names = projection ? Object.fromEntries(projection.map((name, i) => [`#p${i}`, name])) : {};
    const page = await ref.client.send(
      new QueryCommand({
        TableName: ref.table,
        KeyConditionExpression: prefix ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
        ExpressionAttributeNames: { '#pk': partitionKey, ...(prefix ? { '#sk': sortKey } : {}), ...names },
        ExpressionAttributeValues: { ':pk': partition, ...(prefix ? { ':prefix': prefix } : {}) },
        ...(projection ? { ProjectionExpression: Object.keys(names).join(', ') } : {}),
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    yield page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Deletes every item of a partition, retrying what DynamoDB leaves unprocessed. */
export async function purgePartition(ref: TableRef, partition: string): Promise<void> {
  for await (const keys of partitionItems(ref, partition, { projection: [partitionKey, sortKey] })) {
    await batchWrite(
      ref,
      keys.map((key) => ({ DeleteRequest: { Key: key } })),
    );
  }
}
