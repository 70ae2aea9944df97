/**
 * Schedules (reference/paddleflow.md §1.9, §6). Items:
 * - the schedule, `pk = SCHEDULE#<id>`, `sk = SCHEDULE`, written whole at a version. Indexed:
 *   - gsi1 `SCHEDULES` / gsi2 `SCHEDULES#<lower owner>` by the id's number, for the lists;
 *   - gsi3 `SCHEDULES#DUE` by `dueAt` (an ISO instant), for the ticker: only schedules with work to do are in it
 *     (running ones, and any with a tick written but not yet carried out), so a tick reads the due ones in time
 *     order and never scans;
 *   - gsi4 `SCHEDPPL#<pipeline id>`, while running: what a pipeline delete must refuse on.
 * - the name claim, `pk = SCHEDNAME#<lower owner>#<name>`: PaddleFlow's one schedule of a name per user, as the
 *   key's own uniqueness. A claim whose schedule does not exist (a create that crashed, a schedule deleted) is
 *   free to take.
 */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ScheduleOptions } from '../engine/schedule/plan.ts';
import { getItem, type TableRef } from './client.ts';
import { ConditionFailedError, conditional, deleteAtVersion, putAtVersion, putNew } from './conditions.ts';
import { nextSequence, sequenceId, sortableNumber } from './counters.ts';
import { OwnerListing, type Page, type PageRequest } from './paging.ts';
import { globalIndexes, partitionKey, sortKey, withoutKeys } from './table.ts';

export type ScheduleStatus = 'running' | 'success' | 'terminated' | 'failed';
export const FINAL_SCHEDULE_STATUSES: readonly ScheduleStatus[] = ['success', 'failed', 'terminated'];

/** A run a tick decided on and has not yet created: its id is taken up front, so creating it twice cannot happen. */
export interface PendingRun {
  runId: string;
  seq: number;
  /** ISO instant. */
  scheduledAt: string;
  status: 'start' | 'skipped';
  message: string;
}

export interface ScheduleRecord {
  id: string;
  seq: number;
  name: string;
  desc: string;
  pipelineId: string;
  pipelineVersionId: string;
  /** Who created it: runs are started as this user. */
  owner: string;
  /** PaddleFlow's `fsConfig.username`: the fs user the runs act as ('' for the owner). */
  fsUser: string;
  crontab: string;
  options: ScheduleOptions;
  /** ISO instants, or '' when not set. */
  startAt: string;
  endAt: string;
  /** ISO instant of the next scheduled time, or '' when the crontab fires no more. */
  nextRunAt: string;
  message: string;
  status: ScheduleStatus;
  createdAt: string;
  updatedAt: string;
  /** Runs of the schedule that may still be active, oldest first (their heads say whether they are). */
  activeRunIds: string[];
  /** A tick's decisions not yet carried out, and the runs it stops. */
  pending: PendingRun[];
  stops: string[];
  /** The file systems its pipeline names (of `fsUser`, or of the owner when that is empty). */
  fsNames: string[];
  /** When the ticker should look at it next (ISO), or undefined when never again. */
  dueAt?: string;
  version: number;
}

export interface ScheduleFilter {
  owners: string[];
  pipelineIds: string[];
  pipelineVersionIds: string[];
  scheduleIds: string[];
  names: string[];
  statuses: string[];
}

const SEQUENCE = 'schedule';
const listing = new OwnerListing('SCHEDULES');
const dueIndex = globalIndexes[2]!;
const DUE_PARTITION = 'SCHEDULES#DUE';
const pipelineIndex = globalIndexes[3]!;
const pipelinePartition = (pipelineId: string) => `SCHEDPPL#${pipelineId}`;

const scheduleKey = (id: string) => ({ [partitionKey]: `SCHEDULE#${id}`, [sortKey]: 'SCHEDULE' });
const nameKey = (owner: string, name: string) => ({
  [partitionKey]: `SCHEDNAME#${owner.toLowerCase()}#${name}`,
  [sortKey]: 'SCHEDULE',
});

/** Far longer than a create takes between claiming the name and storing the schedule. */
const ABANDONED_CLAIM_MS = 60_000;

const toRecord = (row: Record<string, unknown>) => withoutKeys<ScheduleRecord>(row);

export const isFinalSchedule = (status: string) => FINAL_SCHEDULE_STATUSES.includes(status as ScheduleStatus);

function itemOf(record: ScheduleRecord): Record<string, unknown> {
  return {
    ...scheduleKey(record.id),
    ...listing.keys(record.owner, sortableNumber(record.seq)),
    ...(record.dueAt === undefined
      ? {}
      : { [dueIndex.partitionKey]: DUE_PARTITION, [dueIndex.sortKey]: `${record.dueAt}#${record.id}` }),
    ...(record.status === 'running'
      ? {
          [pipelineIndex.partitionKey]: pipelinePartition(record.pipelineId),
          [pipelineIndex.sortKey]: sortableNumber(record.seq),
        }
      : {}),
    ...record,
  };
}

export class ScheduleRepository {
  constructor(private readonly ref: TableRef) {}

  async allocateId(): Promise<{ id: string; seq: number }> {
    const seq = await nextSequence(this.ref, SEQUENCE);
    return { id: sequenceId('schedule', seq), seq };
  }

  /** Claims the owner's name for the schedule, then stores it; ConditionFailedError when the name is taken. */
  async create(record: ScheduleRecord): Promise<void> {
    await this.claimName(record);
    await putNew(this.ref, { ...itemOf(record), version: 1 }, `no schedule ${record.id}`);
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const item = await getItem(this.ref, scheduleKey(id));
    return item ? toRecord(item) : undefined;
  }

  /** Whether the owner has a schedule of this name (read strongly consistent). */
  async nameTaken(owner: string, name: string): Promise<boolean> {
    const claim = await getItem(this.ref, nameKey(owner, name));
    return claim !== undefined && (await this.get(claim.scheduleId as string)) !== undefined;
  }

  /** Stores `next` in place of `previous`, if it is still at the version read; returns what is now stored. */
  async save(previous: ScheduleRecord, next: ScheduleRecord): Promise<ScheduleRecord> {
    const version = await putAtVersion(
      this.ref,
      itemOf(next),
      previous.version,
      `schedule ${previous.id} at version ${previous.version}`,
    );
    return { ...next, version };
  }

  /**
   * Counts a run toward a running schedule's concurrency (a retry of one of its runs, which PaddleFlow counts
   * as the schedule's): added to its active runs with a conditional write, read again on a lost race.
   */
  async adoptRun(scheduleId: string, runId: string): Promise<void> {
    for (let tries = 0; tries < 5; tries++) {
      const schedule = await this.get(scheduleId);
      if (schedule?.status !== 'running' || schedule.activeRunIds.includes(runId)) return;
      try {
        await this.save(schedule, { ...schedule, activeRunIds: [...schedule.activeRunIds, runId] });
        return;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    throw new Error(`schedule ${scheduleId}: could not count run ${runId} after 5 conflicting writes`);
  }

  /** Deletes the schedule if unchanged since read, then frees its name. */
  async delete(record: ScheduleRecord): Promise<void> {
    await deleteAtVersion(
      this.ref,
      { key: scheduleKey(record.id), version: record.version },
      `schedule ${record.id}`,
    );
    await this.ref.client
      .send(
        new DeleteCommand({
          TableName: this.ref.table,
          Key: nameKey(record.owner, record.name),
          ConditionExpression: 'scheduleId = :id',
          ExpressionAttributeValues: { ':id': record.id },
        }),
      )
      .catch(() => undefined); // a claim left behind leads to no schedule, and is free to take
  }

  list(filter: ScheduleFilter, page: PageRequest): Promise<Page<ScheduleRecord>> {
    const { owners, pipelineIds, pipelineVersionIds, scheduleIds, names, statuses } = filter;
    const match = {
      pipelineId: pipelineIds,
      pipelineVersionId: pipelineVersionIds,
      id: scheduleIds,
      name: names,
      status: statuses,
    };
    return listing.page(this.ref, { owners, match }, page, toRecord);
  }

  /**
   * A page of the ids of the schedules due at `now`, earliest first, and where the next page starts (undefined
   * after the last). The index is only a hint (eventually consistent in AWS): the ticker reads each schedule
   * itself before deciding anything.
   */
  async due(
    now: Date,
    limit: number,
    start?: Record<string, unknown>,
  ): Promise<{ ids: string[]; next?: Record<string, unknown> }> {
    const { Items = [], LastEvaluatedKey } = await this.ref.client.send(
      new QueryCommand({
        TableName: this.ref.table,
        IndexName: dueIndex.name,
        KeyConditionExpression: '#pk = :pk AND #sk <= :now',
        ExpressionAttributeNames: { '#pk': dueIndex.partitionKey, '#sk': dueIndex.sortKey },
        // `#` sorts below every id character, so `<iso>#~` is above every key due at that instant.
        ExpressionAttributeValues: { ':pk': DUE_PARTITION, ':now': `${now.toISOString()}#~` },
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    return {
      ids: Items.map((item) => item.id as string),
      ...(LastEvaluatedKey ? { next: LastEvaluatedKey } : {}),
    };
  }

  /** When the earliest schedule is next due, if any is. */
  async earliestDue(): Promise<Date | undefined> {
    const { Items = [] } = await this.ref.client.send(
      new QueryCommand({
        TableName: this.ref.table,
        IndexName: dueIndex.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': dueIndex.partitionKey, '#due': 'dueAt' },
        ExpressionAttributeValues: { ':pk': DUE_PARTITION },
        ProjectionExpression: '#due',
        Limit: 1,
      }),
    );
    const dueAt = Items[0]?.dueAt as string | undefined;
    return dueAt === undefined ? undefined : new Date(dueAt);
  }

  /** Running schedules of a pipeline (of one of its versions, if given). */
  async runningForPipeline(pipelineId: string, versionId?: string): Promise<ScheduleRecord[]> {
    const { Items = [] } = await this.ref.client.send(
      new QueryCommand({
        TableName: this.ref.table,
        IndexName: pipelineIndex.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': pipelineIndex.partitionKey },
        ExpressionAttributeValues: { ':pk': pipelinePartition(pipelineId) },
      }),
    );
    return Items.map(toRecord).filter(
      (schedule) =>
        schedule.status === 'running' &&
        (versionId === undefined || schedule.pipelineVersionId === versionId),
    );
  }

  /**
   * Running schedules whose pipelines name `fsName` of `fsOwner`. Running schedules are all in the due index,
   * so this reads that index, not every schedule.
   */
  async runningNamingFs(fsOwner: string, fsName: string): Promise<ScheduleRecord[]> {
    const found: ScheduleRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.ref.client.send(
        new QueryCommand({
          TableName: this.ref.table,
          IndexName: dueIndex.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': dueIndex.partitionKey },
          ExpressionAttributeValues: { ':pk': DUE_PARTITION },
          ExclusiveStartKey: start,
        }),
      );
      for (const schedule of (page.Items ?? []).map(toRecord)) {
        const owner = (schedule.fsUser || schedule.owner).toLowerCase();
        if (
          schedule.status === 'running' &&
          owner === fsOwner.toLowerCase() &&
          schedule.fsNames.includes(fsName)
        ) {
          found.push(schedule);
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /** Takes the owner's name for `record`, also from a claim whose schedule is gone. */
  private async claimName(record: ScheduleRecord): Promise<void> {
    const claim = { ...nameKey(record.owner, record.name), scheduleId: record.id, claimedAt: Date.now() };
    try {
      await putNew(this.ref, claim, `no schedule named ${record.name}`);
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
    const held = await getItem(this.ref, nameKey(record.owner, record.name));
    const holder = held?.scheduleId as string | undefined;
    // A claim whose schedule is missing may belong to a create still under way (between its two writes): only
    // one older than any create takes is left over, and free to take.
    const fresh = Date.now() - Number(held?.claimedAt ?? 0) < ABANDONED_CLAIM_MS;
    if (holder && (fresh || (await this.get(holder)))) {
      throw new ConditionFailedError(`schedule name ${record.name} is free`);
    }
    await conditional(`schedule name ${record.name} held by ${holder}`, () =>
      this.ref.client.send(
        new PutCommand({
          TableName: this.ref.table,
          Item: claim,
          ConditionExpression: holder ? 'scheduleId = :holder' : `attribute_not_exists(${partitionKey})`,
          ...(holder ? { ExpressionAttributeValues: { ':holder': holder } } : {}),
        }),
      ),
    );
  }
}
