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
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from './client.ts';
import { conditional } from './conditions.ts';
import { nextSequence, sequenceId, sortableNumber } from './counters.ts';
import { type Page, type PageRequest, queryPage } from './paging.ts';
import { globalIndexes, partitionKey, sortKey } from './table.ts';

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
const allIndex = globalIndexes[0]!;
const ownerIndex = globalIndexes[1]!;
const fingerprintIndex = globalIndexes[3]!;
const ALL_PARTITION = 'RUNCACHES';
const ownerPartition = (owner: string) => `RUNCACHES#${owner.toLowerCase()}`;
const fingerprintPartition = (firstFp: string, fsId: string, source: string) =>
  `CACHEFP#${firstFp}#${fsId}#${source}`;

const itemKey = (id: string) => ({ [partitionKey]: `RUNCACHE#${id}`, [sortKey]: 'RUNCACHE' });

const toRecord = (row: Record<string, unknown>): RunCacheRecord => ({
  id: row.id as string,
  seq: row.seq as number,
  firstFp: row.firstFp as string,
  secondFp: row.secondFp as string,
  runId: row.runId as string,
  source: row.source as string,
  jobId: row.jobId as string,
  nodeKey: row.nodeKey as string,
  fsId: row.fsId as string,
  fsName: row.fsName as string,
  owner: row.owner as string,
  expiredTime: row.expiredTime as string,
  strategy: row.strategy as string,
  custom: row.custom as string,
  createdAt: row.createdAt as string,
  updatedAt: row.updatedAt as string,
});

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
    await conditional(`no run cache ${record.id}`, () =>
      this.ref.client.send(
        new PutCommand({
          TableName: this.ref.table,
          Item: {
            ...itemKey(record.id),
            [allIndex.partitionKey]: ALL_PARTITION,
            [allIndex.sortKey]: sortableNumber(record.seq),
            [ownerIndex.partitionKey]: ownerPartition(record.owner),
            [ownerIndex.sortKey]: sortableNumber(record.seq),
            [fingerprintIndex.partitionKey]: fingerprintPartition(record.firstFp, record.fsId, record.source),
            [fingerprintIndex.sortKey]: `${record.createdAt}#${sortableNumber(record.seq)}`,
            ...record,
          },
          ConditionExpression: `attribute_not_exists(${partitionKey})`,
        }),
      ),
    );
  }

  async get(id: string): Promise<RunCacheRecord | undefined> {
    const { Item } = await this.ref.client.send(
      new GetCommand({ TableName: this.ref.table, Key: itemKey(id), ConsistentRead: true }),
    );
    return Item ? toRecord(Item) : undefined;
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
    const rows: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.ref.client.send(
        new QueryCommand({
          TableName: this.ref.table,
          IndexName: fingerprintIndex.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': fingerprintIndex.partitionKey },
          ExpressionAttributeValues: { ':pk': fingerprintPartition(firstFp, fsId, source) },
          ScanIndexForward: false,
          Limit: limit - rows.length,
          ExclusiveStartKey: start,
        }),
      );
      rows.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start && rows.length < limit);
    return rows.map(toRecord);
  }

  /** In id order, filtered exactly (owner case-insensitive), paged like RunRepository.list. */
  list(filter: RunCacheFilter, page: PageRequest): Promise<Page<RunCacheRecord>> {
    const owners = new Set(filter.owners.map((owner) => owner.toLowerCase()));
    const fsNames = new Set(filter.fsNames);
    const runIds = new Set(filter.runIds);
    const matches = (set: Set<string>, value: string) => set.size === 0 || set.has(value);
    const keep = (row: Record<string, unknown>) =>
      matches(owners, (row.owner as string).toLowerCase()) &&
      matches(fsNames, row.fsName as string) &&
      matches(runIds, row.runId as string);
    // One owner reads that owner's partition; any other filter is checked row by row.
    const oneOwner = owners.size === 1 ? [...owners][0]! : undefined;
    const filtered = owners.size > 1 || fsNames.size + runIds.size > 0;
    const partition =
      oneOwner === undefined
        ? { index: allIndex, partitionValue: ALL_PARTITION }
        : { index: ownerIndex, partitionValue: ownerPartition(oneOwner) };
    return queryPage(this.ref, filtered ? { ...partition, keep } : partition, page, toRecord);
  }
}
