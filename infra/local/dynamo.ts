/**
 * The embedded DynamoDB: dynalite on loopback in a worker thread, persisted under the data directory, with the
 * table created from the same definition the CDK stack deploys.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from '../../shared/store/client.ts';
import { createTableInput } from '../../shared/store/table.ts';

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalDynamo(dataDir: string, tableName: string): Promise<LocalDynamo> {
  const worker = new Worker(new URL('./dynamo-worker.ts', import.meta.url), {
    workerData: { path: join(dataDir, 'dynamodb') },
    // V8 collects lazily up to its limits: without a cap the store's garbage alone held ~200 MB at the peak of
    // a 1,000-node run. Its live data is far smaller (items live in LevelDB, outside the heap).
    resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 },
  });
  const [{ port }] = (await Promise.race([
    once(worker, 'message'),
    once(worker, 'error').then(([e]) => Promise.reject(e)),
  ])) as [{ port: number }];
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoDbClient(endpoint);
  try {
    await ensureTable(client, tableName);
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    async close() {
      const exited = once(worker, 'exit');
      worker.postMessage('close');
      await exited;
    },
  };
}

async function ensureTable(client: DynamoDBClient, tableName: string) {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
}
