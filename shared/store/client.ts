import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
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
  if (!endpoint) return new DynamoDBClient({});
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
