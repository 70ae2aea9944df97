import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
