import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo.ts';
import type { TableRef } from '../../shared/store/client.ts';
import { nextSequence } from '../../shared/store/counters.ts';
import { queryPage } from '../../shared/store/paging.ts';
import { globalIndexes } from '../../shared/store/table.ts';
import { startTestTable } from '../support/table.ts';

let dynamo: LocalDynamo;
let ref: TableRef;

beforeAll(async () => {
  ({ dynamo, ref } = await startTestTable());
});
afterAll(async () => {
  await dynamo.close();
});

describe('nextSequence on dynalite', () => {
  it('starts at 1 and hands each of many concurrent callers its own number', async () => {
    expect(await nextSequence(ref, 'solo')).toBe(1);
    const numbers = await Promise.all(Array.from({ length: 40 }, () => nextSequence(ref, 'busy')));
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('keeps sequences apart', async () => {
    const a = await nextSequence(ref, 'apart-a');
    await nextSequence(ref, 'apart-b');
    await nextSequence(ref, 'apart-b');
    expect(await nextSequence(ref, 'apart-a')).toBe(a + 1);
  });
});

describe('queryPage with a keep predicate', () => {
  const index = globalIndexes[2]!;
  beforeAll(async () => {
    // 250 rows, one in 50 kept: pages must cross many reads and still be exact.
    for (let i = 0; i < 250; i++) {
      await ref.client.send(
        new PutCommand({
          TableName: 'floe',
          Item: {
            pk: `KEEP#${i}`,
            sk: 'ROW',
            [index.partitionKey]: 'KEEP',
            [index.sortKey]: String(i).padStart(4, '0'),
            n: i,
          },
        }),
      );
    }
  });

  it('returns only kept rows, in order, with a cursor only while kept rows remain', async () => {
    const query = {
      index,
      partitionValue: 'KEEP',
      keep: (row: Record<string, unknown>) => (row.n as number) % 50 === 7,
    };
    const pages: number[][] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof queryPage<number>>> = await queryPage(
        ref,
        query,
        { limit: 2, cursor },
        (row) => row.n as number,
      );
      pages.push(page.items);
      cursor = page.cursor;
    } while (cursor);
    expect(pages).toEqual([[7, 57], [107, 157], [207]]);
  });

  it('says a page is the last when nothing after it is kept', async () => {
    const keep = (row: Record<string, unknown>) => row.n === 3 || row.n === 4;
    const page = await queryPage(ref, { index, partitionValue: 'KEEP', keep }, { limit: 2 }, (row) => row.n);
    expect(page).toEqual({ items: [3, 4], cursor: null });
  });
});
