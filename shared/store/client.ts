import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
} from '@aws-sdk/lib-dynamodb';
import { traced } from '../observability/tracer.ts';
import { DEFAULT_TABLE_NAME } from './table.ts';

export interface TableRef {
  client: DynamoDBDocumentClient;
  table: string;
}

/**
 * A DynamoDB client: AWS's own endpoint and credentials from the Lambda environment, or, given an endpoint,
 * the local dynalite, which accepts any credentials.
 */
export function dynamoDbClient(endpoint?: string): DynamoDBClient {
  if (!endpoint) return traced(new DynamoDBClient({}));
  return new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION || 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

export const documentClient = (client: DynamoDBClient) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** The table a process talks to; `FLOE_DYNAMODB_ENDPOINT` is set only by the local runtime. */
export function tableFromEnv(env: NodeJS.ProcessEnv = process.env): TableRef {
  return {
    client: documentClient(dynamoDbClient(env.FLOE_DYNAMODB_ENDPOINT)),
    table: env.FLOE_TABLE_NAME || DEFAULT_TABLE_NAME,
  };
}

/** One item by its key, strongly consistent (what is decided on must see the last write), or undefined. */
export async function getItem(
  ref: TableRef,
  key: Record<string, string>,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await ref.client.send(
    new GetCommand({ TableName: ref.table, Key: key, ConsistentRead: true }),
  );
  return Item;
}

/** BatchGetItem takes at most 100 keys. */
const GET_BATCH = 100;

/**
 * The items of these keys that exist, strongly consistent, in no particular order (a key named twice is read
 * once): BatchGetItem, 100 keys per call, the keys DynamoDB leaves unprocessed (16 MB per response,
 * throttling) asked for again. `projection` names the only attributes to read.
 */
export async function getItems(
  ref: TableRef,
  keys: Record<string, string>[],
  projection?: string[],
): Promise<Record<string, unknown>[]> {
  const names = projection ? Object.fromEntries(projection.map((name, i) => [`#p${i}`, name])) : undefined;
  // BatchGetItem refuses a request that names a key twice.
  const unique = [...new Map(keys.map((key) => [JSON.stringify(key), key])).values()];
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < unique.length; i += GET_BATCH) {
    let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + GET_BATCH);
    while (pending && pending.length > 0) {
      const result: BatchGetCommandOutput = await ref.client.send(
        new BatchGetCommand({
          RequestItems: {
            [ref.table]: {
              Keys: pending,
              ConsistentRead: true,
              ...(names
                ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names }
                : {}),
            },
          },
        }),
      );
      found.push(...(result.Responses?.[ref.table] ?? []));
      pending = result.UnprocessedKeys?.[ref.table]?.Keys;
    }
  }
  return found;
}
