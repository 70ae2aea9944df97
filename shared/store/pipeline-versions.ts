/**
 * Pipeline version items: the immutable content of one version (`pk = PPL#<id>`, `sk = VERSION#<10 digits>`).
 * A version item alone is never visible: a version exists for the API only while the pipeline's head lists it
 * (see pipelines.ts), so an item written by a request that then crashed, or one whose deletion has committed
 * but whose cleanup has not run, is an invisible leftover, collected when the pipeline is deleted.
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { getItem, type TableRef } from './client.ts';
import { purgePartition } from './partition.ts';
import { partitionKey, sortKey, withoutKeys } from './table.ts';

export interface PipelineVersionRecord {
  pipelineId: string;
  version: number;
  /** Empty for a version made from `yamlRaw`. */
  fsName: string;
  /** Empty for a version made from `yamlRaw`. */
  yamlPath: string;
  /** The pipeline YAML text. */
  yaml: string;
  /** Who made this version (root may add versions to another user's pipeline). */
  owner: string;
  /** ISO 8601 instant of creation. */
  createdAt: string;
}

export const pipelinePartition = (pipelineId: string) => `PPL#${pipelineId}`;

const versionKey = (pipelineId: string, version: number) => ({
  [partitionKey]: pipelinePartition(pipelineId),
  [sortKey]: `VERSION#${String(version).padStart(10, '0')}`,
});

const toRecord = (row: Record<string, unknown>) => withoutKeys<PipelineVersionRecord>(row);

/** BatchGetItem takes at most 100 keys. */
const GET_BATCH = 100;

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export class PipelineVersionItems {
  constructor(private readonly ref: TableRef) {}

  /** Writes a version's content under a number nobody else holds (numbers come from the head's allocator). */
  put(record: PipelineVersionRecord): Promise<unknown> {
    return this.ref.client.send(
      new PutCommand({
        TableName: this.ref.table,
        Item: { ...versionKey(record.pipelineId, record.version), ...record },
      }),
    );
  }

  async get(pipelineId: string, version: number): Promise<PipelineVersionRecord | undefined> {
    const item = await getItem(this.ref, versionKey(pipelineId, version));
    return item ? toRecord(item) : undefined;
  }

  /** The versions asked for that exist, in the order asked. Strongly consistent: the head was just read. */
  async getMany(pipelineId: string, versions: number[]): Promise<PipelineVersionRecord[]> {
    const found = new Map<number, PipelineVersionRecord>();
    for (const batch of chunks(versions, GET_BATCH)) {
      let keys: Record<string, unknown>[] | undefined = batch.map((n) => versionKey(pipelineId, n));
      // DynamoDB may leave keys unprocessed (16 MB per response, throttling): ask again for those.
      while (keys && keys.length > 0) {
        const result: BatchGetCommandOutput = await this.ref.client.send(
          new BatchGetCommand({ RequestItems: { [this.ref.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const row of result.Responses?.[this.ref.table] ?? []) {
          const record = toRecord(row);
          found.set(record.version, record);
        }
        keys = result.UnprocessedKeys?.[this.ref.table]?.Keys;
      }
    }
    return versions.flatMap((n) => found.get(n) ?? []);
  }

  delete(pipelineId: string, version: number): Promise<unknown> {
    return this.ref.client.send(
      new DeleteCommand({ TableName: this.ref.table, Key: versionKey(pipelineId, version) }),
    );
  }

  /** Deletes every item of a deleted pipeline's partition: its versions and its identity item. */
  purge(pipelineId: string): Promise<void> {
    return purgePartition(this.ref, pipelinePartition(pipelineId));
  }
}
