/**
 * Run cache rows (reference/paddleflow.md §1.10, §4.5): one per job that ran with its cache enabled, written
 * when the job starts, read back by later runs looking for a job to reuse. A row never changes once written;
 * the API lists, shows and hard-deletes them.
 *
 * Item `pk = RUNCACHE#<id>`, `sk = RUNCACHE`, indexed three ways:
 * - gsi1 `RUNCACHES` and gsi2 `RUNCACHES#<lower owner>`, both by the id's number: the API's lists, in id
 *   order as PaddleFlow's (the run and pipeline entities use the same indexes under other partition values);
 * - gsi4 `CACHEFP#<firstFp>#<fsId>#<source>` by `<createdAt>#<seq>`: the lookup a job makes before it runs,
 *   newest first. The index is eventually consistent in AWS; a row not yet visible costs a cache miss (the job
 *   runs again), never a wrong hit, so the lookup needs no read of the base table.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { getItem, type TableRef } from './client.ts';
import { putNew } from './conditions.ts';
import { nextSequence, sequenceId, sortableNumber } from './counters.ts';
import { OwnerListing, type Page, type PageRequest, queryPage } from './paging.ts';
import { globalIndexes, partitionKey, sortKey, withoutKeys } from './table.ts';

export interface RunCacheRecord {
  /** `cch-000001`. */
  id: string;
  seq: number;
  firstFp: string;
  secondFp: string;
  runId: string;
  /** The run's source: md5 of the yaml, `<ppl>-<ver>`, or the yaml path. */
  source: string;
  jobId: string;
  /** Floe-only: the engine node key of the job inside its run (never on the wire). */
  nodeKey: string;
  /** The main fs id ('' when the run has none). */
  fsId: string;
  fsName: string;
  /** The run's fs user; `username` on the wire. */
  owner: string;
  /** "-1" (never expires) or seconds as a decimal string. */
  expiredTime: string;
  /** "conservative". */
  strategy: string;
  /** "". */
  custom: string;
  /** ISO 8601 instants. */
  createdAt: string;
  updatedAt: string;
}

export interface RunCacheFilter {
  owners: string[];
  fsNames: string[];
  runIds: string[];
}

const SEQUENCE = 'runcache';
const ID_PREFIX = 'cch';
const listing = new OwnerListing('RUNCACHES');
const fingerprintIndex = globalIndexes[3]!;
const fingerprintPartition = (firstFp: string, fsId: string, source: string) =>
  `CACHEFP#${firstFp}#${fsId}#${source}`;

const itemKey = (id: string) => ({ [partitionKey]: `RUNCACHE#${id}`, [sortKey]: 'RUNCACHE' });

const toRecord = (row: Record<string, unknown>) => withoutKeys<RunCacheRecord>(row);

/** Candidates a lookup reads at most unless told otherwise: a step rarely has more live fingerprints. */
const DEFAULT_CANDIDATES = 50;

export class RunCacheRepository {
  constructor(private readonly ref: TableRef) {}

  /** Takes the next cache id: `cch-000001`… */
  async allocateId(): Promise<{ id: string; seq: number }> {
    const seq = await nextSequence(this.ref, SEQUENCE);
    return { id: sequenceId(ID_PREFIX, seq), seq };
  }

  /** Stores a new row; ConditionFailedError if the id is taken (ids come from allocateId, so never twice). */
  async create(record: RunCacheRecord): Promise<void> {
    await putNew(
      this.ref,
      {
        ...itemKey(record.id),
        ...listing.keys(record.owner, sortableNumber(record.seq)),
        [fingerprintIndex.partitionKey]: fingerprintPartition(record.firstFp, record.fsId, record.source),
        [fingerprintIndex.sortKey]: `${record.createdAt}#${sortableNumber(record.seq)}`,
        ...record,
      },
      `no run cache ${record.id}`,
    );
  }

  async get(id: string): Promise<RunCacheRecord | undefined> {
    const item = await getItem(this.ref, itemKey(id));
    return item ? toRecord(item) : undefined;
  }

  /** Hard delete, as PaddleFlow's; deleting what is already gone is no error. */
  async delete(id: string): Promise<void> {
    await this.ref.client.send(new DeleteCommand({ TableName: this.ref.table, Key: itemKey(id) }));
  }

  /** Rows with this first fingerprint, main fs and source, newest first (at most `limit`, default 50). */
  async candidates(
    firstFp: string,
    fsId: string,
    source: string,
    limit = DEFAULT_CANDIDATES,
  ): Promise<RunCacheRecord[]> {
    if (limit < 1) return [];
    const page = await queryPage(
      this.ref,
      {
        index: fingerprintIndex,
        partitionValue: fingerprintPartition(firstFp, fsId, source),
        descending: true,
      },
      { limit },
      toRecord,
    );
    return page.items;
  }

  /** In id order, filtered exactly (owner case-insensitive), paged like RunRepository.list. */
  list(filter: RunCacheFilter, page: PageRequest): Promise<Page<RunCacheRecord>> {
    const match = { fsName: filter.fsNames, runId: filter.runIds };
    return listing.page(this.ref, { owners: filter.owners, match }, page, toRecord);
  }
}
