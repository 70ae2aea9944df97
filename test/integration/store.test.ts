import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo.ts';
import type { TableRef } from '../../shared/store/client.ts';
import { ConditionFailedError } from '../../shared/store/conditions.ts';
import { InvalidCursorError, queryPage } from '../../shared/store/paging.ts';
import { globalIndexes } from '../../shared/store/table.ts';
import { UserRepository } from '../../shared/store/users.ts';
import { startTestTable } from '../support/table.ts';

let dynamo: LocalDynamo;
let ref: TableRef;

beforeAll(async () => {
  ({ dynamo, ref } = await startTestTable());
  const index = globalIndexes[1]!;
  for (const [partition, count] of [
    ['A', 7],
    ['B', 3],
  ] as const) {
    for (let i = 0; i < count; i++) {
      await ref.client.send(
        new PutCommand({
          TableName: 'floe',
          Item: {
            pk: `ROW#${partition}${i}`,
            sk: 'ROW',
            [index.partitionKey]: partition,
            [index.sortKey]: `${i}`,
            n: i,
          },
        }),
      );
    }
  }
});
afterAll(async () => {
  await dynamo.close();
});

const byIndex = (partitionValue: string) => ({ index: globalIndexes[1]!, partitionValue });

describe('queryPage on dynalite', () => {
  it('walks a partition in order, with a cursor only while rows remain', async () => {
    const seen: number[] = [];
    const cursors: (string | null)[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof queryPage<number>>> = await queryPage(
        ref,
        byIndex('A'),
        { limit: 3, cursor },
        (row) => row.n as number,
      );
      seen.push(...page.items);
      cursors.push(page.cursor);
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(cursors.map((c) => c !== null)).toEqual([true, true, false]);
  });

  it('says a page that ends exactly at the last row is the last', async () => {
    const page = await queryPage(ref, byIndex('B'), { limit: 3 }, (row) => row.n);
    expect(page).toEqual({ items: [0, 1, 2], cursor: null });
  });

  it('refuses a cursor from another partition, or one that is not a key', async () => {
    const fromB = (await queryPage(ref, byIndex('B'), { limit: 1 }, (row) => row.n)).cursor!;
    await expect(queryPage(ref, byIndex('A'), { limit: 1, cursor: fromB }, (row) => row.n)).rejects.toThrow(
      InvalidCursorError,
    );
    for (const bad of [
      'x',
      Buffer.from('{"pk":1}').toString('base64url'),
      Buffer.from('[]').toString('base64url'),
    ]) {
      await expect(queryPage(ref, byIndex('A'), { limit: 1, cursor: bad }, (row) => row.n)).rejects.toThrow(
        InvalidCursorError,
      );
    }
  });
});

describe('UserRepository conditional writes', () => {
  it('refuse a stale version and a duplicate name, changing nothing', async () => {
    const users = new UserRepository(ref);
    const created = await users.create({
      name: 'Stale1',
      passwordHash: 'h1',
      createdAt: new Date().toISOString(),
    });
    await expect(
      users.create({ name: 'stale1', passwordHash: 'other', createdAt: new Date().toISOString() }),
    ).rejects.toThrow(ConditionFailedError);
    const updated = await users.setPasswordHash(created, 'h2');
    await expect(users.setPasswordHash(created, 'h3')).rejects.toThrow(ConditionFailedError);
    await expect(users.delete(created)).rejects.toThrow(ConditionFailedError);
    expect(await users.get('STALE1')).toEqual(updated);
    await users.delete(updated);
    expect(await users.get('stale1')).toBeUndefined();
  });
});
