import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { documentClient } from '../../shared/store/client.ts';
import { queryPage } from '../../shared/store/paging.ts';
import { globalIndexes } from '../../shared/store/table.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

const ref = { client: documentClient(new DynamoDBClient({ region: 'local' })), table: 'floe' };
const index = globalIndexes[0]!;
const row = (n: number) => ({ pk: `R#${n}`, sk: 'R', gsi1pk: 'P', gsi1sk: `s${n}` });

describe('queryPage options, as sent to DynamoDB', () => {
  it('reads forwards over the whole partition by default, as before', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await queryPage(ref, { index, partitionValue: 'P' }, { limit: 5 }, (r) => r);
    const input = dynamo.calls()[0]!.args[0].input as Record<string, unknown>;
    expect(input).toMatchObject({
      IndexName: 'gsi1',
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'gsi1pk' },
      ScanIndexForward: true,
      Limit: 6,
    });
  });

  it('reads backwards below a sort key bound, on the index sort key', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await queryPage(
      ref,
      { index, partitionValue: 'P', descending: true, below: 's5' },
      { limit: 2 },
      (r) => r,
    );
    const input = dynamo.calls()[0]!.args[0].input as Record<string, unknown>;
    expect(input).toMatchObject({
      KeyConditionExpression: '#pk = :pk AND #sk < :below',
      ExpressionAttributeNames: { '#pk': 'gsi1pk', '#sk': 'gsi1sk' },
      ScanIndexForward: false,
      Limit: 3,
    });
    expect(JSON.stringify(input.ExpressionAttributeValues)).toContain('s5');
  });

  it('bounds the table sort key when no index is given', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await queryPage(ref, { partitionValue: 'FS#x', below: 'LINKS#' }, { limit: 1 }, (r) => r);
    const input = dynamo.calls()[0]!.args[0].input as Record<string, unknown>;
    expect(input.ExpressionAttributeNames).toEqual({ '#pk': 'pk', '#sk': 'sk' });
  });

  it('is truncated exactly when a row beyond the page exists', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [row(3), row(2), row(1)] });
    const page = await queryPage(
      ref,
      { index, partitionValue: 'P', descending: true },
      { limit: 2 },
      (r) => r.pk,
    );
    expect(page.items).toEqual(['R#3', 'R#2']);
    expect(page.cursor).not.toBeNull();
  });
});
