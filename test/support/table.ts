/** A fresh embedded DynamoDB with Floe's table, for tests below HTTP (stores and services). */
import { type LocalDynamo, startLocalDynamo } from '../../infra/local/dynamo.ts';
import { documentClient, dynamoDbClient, type TableRef } from '../../shared/store/client.ts';
import { newDataDir } from './floe-process.ts';

export async function startTestTable(): Promise<{ dynamo: LocalDynamo; ref: TableRef }> {
  const dynamo = await startLocalDynamo(newDataDir(), 'floe');
  return { dynamo, ref: { client: documentClient(dynamoDbClient(dynamo.endpoint)), table: 'floe' } };
}
