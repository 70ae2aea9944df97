/**
 * Conditional writes: every state change in Floe is one write that names the state it expects. A lost race
 * surfaces as `ConditionFailedError`, which a service turns into its own answer; anything else from DynamoDB
 * is an internal error.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from './client.ts';
import { partitionKey } from './table.ts';

export class ConditionFailedError extends Error {
  constructor(what: string) {
    super(`condition failed: ${what}`);
    this.name = 'ConditionFailedError';
  }
}

/** DynamoDB's ConditionalCheckFailedException, wherever it sits in the cause chain. */
export function isConditionFailure(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return true;
  }
  return false;
}

/** Runs a conditional write; a failed condition becomes a `ConditionFailedError` naming what was expected. */
export async function conditional<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) throw new ConditionFailedError(what);
    throw error;
  }
}

/** An item the caller has read, at the version it read. */
export interface Versioned {
  key: Record<string, string>;
  version: number;
}

/** Puts an item that must not exist yet (its key is new). */
export async function putNew(ref: TableRef, item: Record<string, unknown>, what: string): Promise<void> {
  await conditional(what, () =>
    ref.client.send(
      new PutCommand({
        TableName: ref.table,
        Item: item,
        ConditionExpression: `attribute_not_exists(${partitionKey})`,
      }),
    ),
  );
}

/**
 * Puts `item` at version `expected + 1`, if the stored one is still at `expected` (0: if there is none yet).
 * Returns the new version.
 */
export async function putAtVersion(
  ref: TableRef,
  item: Record<string, unknown>,
  expected: number,
  what: string,
): Promise<number> {
  const next = expected + 1;
  const versioned = { ...item, version: next };
  if (expected === 0) {
    await putNew(ref, versioned, what);
    return next;
  }
  await conditional(what, () =>
    ref.client.send(
      new PutCommand({
        TableName: ref.table,
        Item: versioned,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': expected },
      }),
    ),
  );
  return next;
}

/**
 * Sets `changes`, removes `removes` and bumps `version`, if the item is still at the version the caller read.
 * Returns the new version.
 */
export async function updateAtVersion(
  ref: TableRef,
  item: Versioned,
  changes: Record<string, unknown>,
  what: string,
  removes: string[] = [],
): Promise<number> {
  const fields = Object.keys(changes);
  const names = Object.fromEntries([
    ...fields.map((field, i) => [`#f${i}`, field]),
    ...removes.map((field, i) => [`#r${i}`, field]),
  ]);
  const values = Object.fromEntries(fields.map((field, i) => [`:f${i}`, changes[field]]));
  const assignments = fields.map((_, i) => `#f${i} = :f${i}`);
  const removal = removes.length > 0 ? ` REMOVE ${removes.map((_, i) => `#r${i}`).join(', ')}` : '';
  const next = item.version + 1;
  await conditional(what, () =>
    ref.client.send(
      new UpdateCommand({
        TableName: ref.table,
        Key: item.key,
        UpdateExpression: `SET ${[...assignments, '#version = :next'].join(', ')}${removal}`,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { ...names, '#version': 'version' },
        ExpressionAttributeValues: { ...values, ':next': next, ':expected': item.version },
      }),
    ),
  );
  return next;
}

/** Deletes the item if it is still at the version the caller read. */
export async function deleteAtVersion(ref: TableRef, item: Versioned, what: string): Promise<void> {
  await conditional(what, () =>
    ref.client.send(
      new DeleteCommand({
        TableName: ref.table,
        Key: item.key,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': item.version },
      }),
    ),
  );
}
