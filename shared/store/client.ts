import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TABLE_NAME } from './table.ts';

export interface TableRef {
  client: DynamoDBDocumentClient;
  table: string;
}

/**
 * The table a process talks to. In AWS the endpoint and credentials come from the Lambda environment; locally
 * `FLOE_DYNAMODB_ENDPOINT` points at dynalite, which accepts any credentials.
 */
export function tableFromEnv(env: NodeJS.ProcessEnv = process.env): TableRef {
  const endpoint = env.FLOE_DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: env.AWS_REGION || 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 3,
        }
      : {},
  );
  return {
    client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    table: env.FLOE_TABLE_NAME || DEFAULT_TABLE_NAME,
  };
}
