/**
 * Triggers (Floe's extension): a pipeline bound to an event pattern. As a pipeline's (pipelines.ts), a trigger is
 * keyed by (owner, name), so PaddleFlow's "one of a name per user" is the key's own uniqueness, with no name claim
 * that a racing create could take over from one not yet committed. Items:
 * - head, `pk = TRGNAME#<lower owner>#<name>`, `sk = TRIGGER`: the trigger, written whole at a version; in gsi1
 *   `TRIGGERS` and gsi2 `TRIGGERS#<lower owner>` by the id's number, for the lists and for the local bus's rules
 *   at start-up;
 * - identity, `pk = TRIGGER#<id>`, `sk = TRIGGER`: id → (owner, name), written before the head. A lookup by id
 *   believes the head only if it carries the same id;
 * - delivery claims, `pk = TRIGGER#<id>`, `sk = EVENT#<event id>`: the run an event's delivery took, so that an
 *   event delivered twice (EventBridge delivers at least once) starts one run. They share the identity's
 *   partition, so deleting the trigger takes them along.
 *
 * The pattern is stored as JSON text: DynamoDB numbers are narrower than JSON's (a pattern may match 1e300
 * exactly) and a map would not keep the key order the user wrote.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { getItem, type TableRef } from './client.ts';
import {
  ConditionFailedError,
  deleteAtVersion,
  putAtVersion,
  putNew,
  updateAtVersion,
} from './conditions.ts';
import { nextSequence, sequenceId, sortableNumber } from './counters.ts';
import { OwnerListing, type Page, type PageRequest } from './paging.ts';
import { purgePartition } from './partition.ts';
import { partitionKey, sortKey, withoutKeys } from './table.ts';

export interface TriggerRecord {
  /** `trigger-000001`. */
  id: string;
  seq: number;
  name: string;
  desc: string;
  /** Who created it: its runs are started as this user. */
  owner: string;
  /** PaddleFlow's `fsConfig.username`: the fs user the runs act as ('' for the owner). */
  fsUser: string;
  pipelineId: string;
  pipelineVersionId: string;
  /** The EventBridge event pattern, as the user gave it (validated). */
  pattern: Record<string, unknown>;
  /** Run parameter name → JSON path into the event. */
  parameters: Record<string, string>;
  enabled: boolean;
  /** Why the last delivery failed to start a run; '' when none has. */
  message: string;
  /** ISO instants. */
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface TriggerFilter {
  /** Only these owners (case-insensitive); empty for everyone's. */
  owners: string[];
  pipelineIds: string[];
  names: string[];
}

/** The run an event's delivery to a trigger took. */
export interface DeliveryClaim {
  runId: string;
  seq: number;
}

const SEQUENCE = 'trigger';
const listing = new OwnerListing('TRIGGERS');
const identityPartition = (id: string) => `TRIGGER#${id}`;
const identityKey = (id: string) => ({ [partitionKey]: identityPartition(id), [sortKey]: 'TRIGGER' });
const claimKey = (id: string, eventId: string) => ({
  [partitionKey]: identityPartition(id),
  [sortKey]: `EVENT#${eventId}`,
});
const headKey = (owner: string, name: string) => ({
  [partitionKey]: `TRGNAME#${owner.toLowerCase()}#${name}`,
  [sortKey]: 'TRIGGER',
});

/** Triggers read per page while loading them all: a page is one Query. */
const ALL_PAGE = 100;

function toRecord(row: Record<string, unknown>): TriggerRecord {
  const { patternJson, ...rest } = withoutKeys<Record<string, unknown>>(row);
  return { ...rest, pattern: JSON.parse(patternJson as string) } as TriggerRecord;
}

function itemOf(record: TriggerRecord): Record<string, unknown> {
  const { pattern, ...rest } = record;
  return {
    ...headKey(record.owner, record.name),
    ...listing.keys(record.owner, sortableNumber(record.seq)),
    ...rest,
    patternJson: JSON.stringify(pattern),
  };
}

const atVersion = (record: TriggerRecord) => ({
  key: headKey(record.owner, record.name),
  version: record.version,
});
/** What a write at the version read expects, for its ConditionFailedError. */
const asRead = (record: TriggerRecord) => `trigger ${record.id} at version ${record.version}`;

export class TriggerRepository {
  constructor(private readonly ref: TableRef) {}

  async allocateId(): Promise<{ id: string; seq: number }> {
    const seq = await nextSequence(this.ref, SEQUENCE);
    return { id: sequenceId('trigger', seq), seq };
  }

  /**
   * Stores a new trigger at version 1. ConditionFailedError when the owner has a trigger of that name already
   * (the identity written for the attempt is then removed; one a crash leaves behind leads nowhere).
   */
  async create(record: TriggerRecord): Promise<TriggerRecord> {
    const { id, owner, name } = record;
    await this.ref.client.send(
      new PutCommand({ TableName: this.ref.table, Item: { ...identityKey(id), id, owner, name } }),
    );
    try {
      // The commit: from here on the trigger exists.
      await putNew(this.ref, { ...itemOf(record), version: 1 }, `no trigger ${name} of ${owner}`);
    } catch (error) {
      // Tidy only when the put surely did not land: after a timeout it may have.
      if (error instanceof ConditionFailedError) {
        await purgePartition(this.ref, identityPartition(id)).catch(() => undefined);
      }
      throw error;
    }
    return { ...record, version: 1 };
  }

  /** The trigger with this id, if it exists (committed and not deleted), read strongly consistent. */
  async get(id: string): Promise<TriggerRecord | undefined> {
    const identity = await getItem(this.ref, identityKey(id));
    if (!identity) return undefined;
    const head = await this.findByName(identity.owner as string, identity.name as string);
    return head?.id === id ? head : undefined;
  }

  async findByName(owner: string, name: string): Promise<TriggerRecord | undefined> {
    const item = await getItem(this.ref, headKey(owner, name));
    return item ? toRecord(item) : undefined;
  }

  /** Stores `next` in place of `previous`, if it is still at the version read; returns what is now stored. */
  async save(previous: TriggerRecord, next: TriggerRecord): Promise<TriggerRecord> {
    const version = await putAtVersion(this.ref, itemOf(next), previous.version, asRead(previous));
    return { ...next, version };
  }

  /** Records why a delivery failed, if the trigger is still at the version read (ConditionFailedError if not). */
  async setMessage(record: TriggerRecord, message: string): Promise<void> {
    await updateAtVersion(this.ref, atVersion(record), { message }, asRead(record));
  }

  /** Deletes the trigger if unchanged since read (the commit), then its identity and delivery claims. */
  async delete(record: TriggerRecord): Promise<void> {
    await deleteAtVersion(this.ref, atVersion(record), asRead(record));
    // Invisible already: what a crash leaves behind leads nowhere and costs space only.
    await purgePartition(this.ref, identityPartition(record.id)).catch(() => undefined);
  }

  list(filter: TriggerFilter, page: PageRequest): Promise<Page<TriggerRecord>> {
    const match = { pipelineId: filter.pipelineIds, name: filter.names };
    return listing.page(this.ref, { owners: filter.owners, match }, page, toRecord);
  }

  /**
   * Every trigger, in id order, page by page from the everyone's index (the local bus loads its rules so). The
   * index is eventually consistent in AWS; only the local runtime, whose store is consistent, reads it so.
   */
  async all(): Promise<TriggerRecord[]> {
    const triggers: TriggerRecord[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<TriggerRecord> = await listing.page(
        this.ref,
        { owners: [], match: {} },
        { limit: ALL_PAGE, cursor },
        toRecord,
      );
      triggers.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return triggers;
  }

  /** Records the run an event's delivery took; ConditionFailedError when a delivery of it took one already. */
  async putDeliveryClaim(triggerId: string, eventId: string, runId: string, seq: number): Promise<void> {
    await putNew(
      this.ref,
      { ...claimKey(triggerId, eventId), runId, seq },
      `no delivery of event ${eventId} to trigger ${triggerId}`,
    );
  }

  async getDeliveryClaim(triggerId: string, eventId: string): Promise<DeliveryClaim | undefined> {
    const item = await getItem(this.ref, claimKey(triggerId, eventId));
    return item ? { runId: item.runId as string, seq: item.seq as number } : undefined;
  }
}
