/**
 * Pipeline version items: the immutable content of one version (`pk = PPL#<id>`, `sk = VERSION#<10 digits>`).
 * A version item alone is never visible: a version exists for the API only while the pipeline's head lists it
 * (see pipelines.ts), so an item written by a request that then crashed, or one whose deletion has committed
 * but whose cleanup has not run, is an invisible leftover, collected when the pipeline is deleted.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { getItem, getItems, type TableRef } from './client.ts';
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
    const rows = await getItems(
      this.ref,
      versions.map((n) => versionKey(pipelineId, n)),
    );
    const found = new Map(rows.map((row) => [row.version as number, toRecord(row)]));
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
