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
import { batchPut, batchWrite } from './batch-write.ts';
import type { TableRef } from './client.ts';
import { OwnerListing, type Page, type PageRequest } from './paging.ts';
import { partitionItems } from './partition.ts';
import { partitionKey, sortKey, withoutKeys } from './table.ts';

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

const listing = new OwnerListing('ARTIFACTS');
const runPartition = (runId: string) => `ARTIFACTS#${runId}`;
const eventSortKey = (event: ArtifactEventRecord) =>
  `${event.jobId}#${event.step}#${event.type}#${event.artifactName}`;

const toRecord = (row: Record<string, unknown>) => withoutKeys<ArtifactEventRecord>(row);

export class ArtifactEventRepository {
  constructor(private readonly ref: TableRef) {}

  /** Idempotent: one item per (runId, jobId, step, type, artifactName); a repeated write overwrites it. */
  async put(records: ArtifactEventRecord[]): Promise<void> {
    await batchPut(
      this.ref,
      records.map((record) => {
        const sk = eventSortKey(record);
        return {
          [partitionKey]: runPartition(record.runId),
          [sortKey]: sk,
          ...listing.keys(record.owner, `${record.createdAt}#${record.runId}#${sk}`),
          ...record,
        };
      }),
    );
  }

  /** Oldest first, filtered exactly (owner case-insensitive), paged like RunRepository.list. */
  list(filter: ArtifactEventFilter, page: PageRequest): Promise<Page<ArtifactEventRecord>> {
    const match = {
      fsName: filter.fsNames,
      runId: filter.runIds,
      type: filter.types,
      artifactPath: filter.paths,
    };
    return listing.page(this.ref, { owners: filter.owners, match }, page, toRecord);
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
