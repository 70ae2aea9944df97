/**
 * Nodes' ended attempts (the history API), in the run's partition: `sk = ATTEMPT#<key>#<attempt>`, sorted by
 * attempt (`#` is in no node key, so no key's prefix is another's). Written by the run's consumer before the
 * state that retried or skipped the node, so a crash between the two cannot lose one.
 */
import type { AttemptRecord } from '../engine/run/model.ts';
import { batchPut } from './batch-write.ts';
import type { TableRef } from './client.ts';
import { sortableNumber } from './counters.ts';
import { partitionItems } from './partition.ts';
import { runPartition } from './runs.ts';
import { partitionKey, sortKey, withoutKeys } from './table.ts';

const attemptPrefix = (key: string) => `ATTEMPT#${key}#`;

export class AttemptRepository {
  constructor(private readonly ref: TableRef) {}

  /** Keeps ended attempts (idempotent: one item per node and attempt). */
  async put(runId: string, records: AttemptRecord[]): Promise<void> {
    await batchPut(
      this.ref,
      records.map((record) => ({
        [partitionKey]: runPartition(runId),
        [sortKey]: `${attemptPrefix(record.key)}${sortableNumber(record.attempt)}`,
        ...record,
      })),
    );
  }

  /** A node's ended attempts, oldest first. */
  async list(runId: string, key: string): Promise<AttemptRecord[]> {
    const records: AttemptRecord[] = [];
    for await (const rows of partitionItems(this.ref, runPartition(runId), { prefix: attemptPrefix(key) }))
      records.push(...rows.map((row) => withoutKeys<AttemptRecord>(row)));
    return records;
  }
}
