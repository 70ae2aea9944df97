/**
 * Named sequences: PaddleFlow's ids are `<prefix>-%06d` of an auto-increment primary key (`ppl-000001`,
 * `run-000001`, `schedule-000001`). DynamoDB has no auto-increment, so each sequence is one counter item that an
 * atomic `ADD` bumps; the number it returns belongs to the caller alone. A caller that crashes after taking a
 * number burns it: ids stay unique and increasing, not gapless (PaddleFlow's own are not either after a failed
 * insert).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from './client.ts';
import { partitionKey, sortKey } from './table.ts';

const keyOf = (name: string) => ({ [partitionKey]: `COUNTER#${name}`, [sortKey]: 'COUNTER' });

/** The next number of sequence `name`: 1 for the first call, then 2, 3…, never the same twice. */
export async function nextSequence(ref: TableRef, name: string): Promise<number> {
  const { Attributes } = await ref.client.send(
    new UpdateCommand({
      TableName: ref.table,
      Key: keyOf(name),
      UpdateExpression: 'ADD #value :one',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Attributes?.value as number;
}

/** PaddleFlow's `<prefix>-%06d`: zero-padded to six digits, longer when the number needs it. */
export function sequenceId(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(6, '0')}`;
}

/**
 * A number as a sort key that orders like the number: ids outgrow six digits (`ppl-1000000` sorts before
 * `ppl-999999` as text), so index sort keys carry the number padded to a fixed width instead.
 */
export function sortableNumber(n: number): string {
  return String(n).padStart(12, '0');
}
