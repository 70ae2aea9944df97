/**
 * Artifact events (reference/paddleflow.md §1.10, §4.9): a step's input artifacts when it starts, its output
 * artifacts when it succeeds (a cache hit included). The engine writes them, the API lists and deletes them.
 *
 * Items live in their run's partition, `pk = ARTIFACTS#<runId>`, `sk = <jobId>#<step>#<type>#<artifactName>`:
 * writing the same event again is an overwrite, not a duplicate, so the engine may repeat a write after a
 * crash; and `DELETE /artifact`, which always names a run, reads one partition. The step is in the key
 * because a cache hit may carry no job id: two cached steps with an output of the same name stay two events.
 * Indexed for listing oldest first: gsi1 `ARTIFACTS` (everyone's) and gsi2 `ARTIFACTS#<lower owner>`, both by
 * `<createdAt>#<runId>#<sk>` (unique, and a tie on the time still orders the same way every time).
 */
import { batchWrite } from './batch-write.ts';
import type { TableRef } from './client.ts';
import { type Page, type PageRequest, queryPage } from './paging.ts';
import { partitionItems } from './partition.ts';
import { globalIndexes, partitionKey, sortKey } from './table.ts';

export interface ArtifactEventRecord {
  runId: string;
  fsName: string;
  /** The run's fs user; `username` on the wire. */
  owner: string;
  artifactPath: string;
  step: string;
  /** May be empty for a cache hit. */
  jobId: string;
  type: 'input' | 'output';
  artifactName: string;
  meta: string;
  /** ISO 8601 instants. */
  createdAt: string;
  updatedAt: string;
}

export interface ArtifactEventFilter {
  owners: string[];
  fsNames: string[];
  runIds: string[];
  types: string[];
  paths: string[];
}

const allIndex = globalIndexes[0]!;
const ownerIndex = globalIndexes[1]!;
const ALL_PARTITION = 'ARTIFACTS';
const ownerPartition = (owner: string) => `ARTIFACTS#${owner.toLowerCase()}`;
const runPartition = (runId: string) => `ARTIFACTS#${runId}`;
const eventSortKey = (event: ArtifactEventRecord) =>
  `${event.jobId}#${event.step}#${event.type}#${event.artifactName}`;

const toRecord = (row: Record<string, unknown>): ArtifactEventRecord => ({
  runId: row.runId as string,
  fsName: row.fsName as string,
  owner: row.owner as string,
  artifactPath: row.artifactPath as string,
  step: row.step as string,
  jobId: row.jobId as string,
  type: row.type as ArtifactEventRecord['type'],
  artifactName: row.artifactName as string,
  meta: row.meta as string,
  createdAt: row.createdAt as string,
  updatedAt: row.updatedAt as string,
});

export class ArtifactEventRepository {
  constructor(private readonly ref: TableRef) {}

  /** Idempotent: one item per (runId, jobId, step, type, artifactName); a repeated write overwrites it. */
  async put(records: ArtifactEventRecord[]): Promise<void> {
    // One batch may not name an item twice: the last write of a key wins, as it would one by one.
    const items = new Map<string, Record<string, unknown>>();
    for (const record of records) {
      const sk = eventSortKey(record);
      const listed = `${record.createdAt}#${record.runId}#${sk}`;
      items.set(`${record.runId}\0${sk}`, {
        [partitionKey]: runPartition(record.runId),
        [sortKey]: sk,
        [allIndex.partitionKey]: ALL_PARTITION,
        [allIndex.sortKey]: listed,
        [ownerIndex.partitionKey]: ownerPartition(record.owner),
        [ownerIndex.sortKey]: listed,
        ...record,
      });
    }
    await batchWrite(
      this.ref,
      [...items.values()].map((Item) => ({ PutRequest: { Item } })),
    );
  }

  /** Oldest first, filtered exactly (owner case-insensitive), paged like RunRepository.list. */
  list(filter: ArtifactEventFilter, page: PageRequest): Promise<Page<ArtifactEventRecord>> {
    const owners = new Set(filter.owners.map((owner) => owner.toLowerCase()));
    const sets = {
      fsName: new Set(filter.fsNames),
      runId: new Set(filter.runIds),
      type: new Set(filter.types),
      artifactPath: new Set(filter.paths),
    };
    const keep = (row: Record<string, unknown>) =>
      (owners.size === 0 || owners.has((row.owner as string).toLowerCase())) &&
      Object.entries(sets).every(([field, set]) => set.size === 0 || set.has(row[field] as string));
    const oneOwner = owners.size === 1 ? [...owners][0]! : undefined;
    const filtered = owners.size > 1 || Object.values(sets).some((set) => set.size > 0);
    const partition =
      oneOwner === undefined
        ? { index: allIndex, partitionValue: ALL_PARTITION }
        : { index: ownerIndex, partitionValue: ownerPartition(oneOwner) };
    return queryPage(this.ref, filtered ? { ...partition, keep } : partition, page, toRecord);
  }

  /**
   * Deletes the run's events on that fs with that artifact path (owner matched case-insensitively when given);
   * returns how many. One strongly consistent Query of the run's partition, so a just-written event is seen.
   */
  async deleteMatching(match: {
    runId: string;
    fsName: string;
    path: string;
    owner?: string;
  }): Promise<number> {
    const owner = match.owner?.toLowerCase();
    const keys: Record<string, unknown>[] = [];
    for await (const rows of partitionItems(this.ref, runPartition(match.runId))) {
      for (const row of rows) {
        if (row.fsName !== match.fsName || row.artifactPath !== match.path) continue;
        if (owner !== undefined && (row.owner as string).toLowerCase() !== owner) continue;
        keys.push({ [partitionKey]: row[partitionKey], [sortKey]: row[sortKey] });
      }
    }
    await batchWrite(
      this.ref,
      keys.map((Key) => ({ DeleteRequest: { Key } })),
    );
    return keys.length;
  }
}
