/**
 * Webhooks (Floe's extension): where an owner's status events go over HTTP. A webhook never changes once written;
 * the API creates, lists, shows and hard-deletes them.
 *
 * Item `pk = WEBHOOK#<id>`, `sk = WEBHOOK`, in gsi1 `WEBHOOKS` and gsi2 `WEBHOOKS#<lower owner>` by the id's
 * number: the lists, and the delivery's read of one owner's webhooks. That read is of an eventually consistent
 * index in AWS: a webhook created a moment ago may miss an event or two, which a webhook tolerates.
 *
 * The pattern is stored as JSON text, as a trigger's (triggers.ts); the secret only sealed (cipher.ts).
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { getItem, type TableRef } from './client.ts';
import { putNew } from './conditions.ts';
import { nextSequence, sequenceId, sortableNumber } from './counters.ts';
import { OwnerListing, type Page, type PageRequest } from './paging.ts';
import { partitionKey, sortKey, withoutKeys } from './table.ts';

export interface WebhookRecord {
  /** `webhook-000001`. */
  id: string;
  seq: number;
  owner: string;
  /** Absolute http(s) URL the events are POSTed to. */
  url: string;
  /** An EventBridge event pattern narrowing which status events go there; absent for all of them. */
  pattern?: Record<string, unknown>;
  /** The signing secret, sealed; absent when deliveries are not signed. */
  sealedSecret?: string;
  /** ISO instant. */
  createdAt: string;
}

export interface WebhookFilter {
  /** Only these owners (case-insensitive); empty for everyone's. */
  owners: string[];
}

const SEQUENCE = 'webhook';
const listing = new OwnerListing('WEBHOOKS');
const itemKey = (id: string) => ({ [partitionKey]: `WEBHOOK#${id}`, [sortKey]: 'WEBHOOK' });

/** Webhooks read per Query while collecting one owner's for a delivery. */
const OWNER_PAGE = 100;

function toRecord(row: Record<string, unknown>): WebhookRecord {
  const { patternJson, ...rest } = withoutKeys<Record<string, unknown>>(row);
  return {
    ...rest,
    ...(typeof patternJson === 'string' ? { pattern: JSON.parse(patternJson) } : {}),
  } as WebhookRecord;
}

export class WebhookRepository {
  constructor(private readonly ref: TableRef) {}

  async allocateId(): Promise<{ id: string; seq: number }> {
    const seq = await nextSequence(this.ref, SEQUENCE);
    return { id: sequenceId('webhook', seq), seq };
  }

  /** Stores a new webhook; ConditionFailedError if the id is taken (ids come from allocateId, so never twice). */
  async create(record: WebhookRecord): Promise<void> {
    const { pattern, ...rest } = record;
    await putNew(
      this.ref,
      {
        ...itemKey(record.id),
        ...listing.keys(record.owner, sortableNumber(record.seq)),
        ...rest,
        ...(pattern === undefined ? {} : { patternJson: JSON.stringify(pattern) }),
      },
      `no webhook ${record.id}`,
    );
  }

  async get(id: string): Promise<WebhookRecord | undefined> {
    const item = await getItem(this.ref, itemKey(id));
    return item ? toRecord(item) : undefined;
  }

  /** Hard delete; deleting what is already gone is no error. */
  async delete(id: string): Promise<void> {
    await this.ref.client.send(new DeleteCommand({ TableName: this.ref.table, Key: itemKey(id) }));
  }

  list(filter: WebhookFilter, page: PageRequest): Promise<Page<WebhookRecord>> {
    return listing.page(this.ref, { owners: filter.owners, match: {} }, page, toRecord);
  }

  /** Every webhook of one owner (case-insensitive), in id order. */
  async ofOwner(owner: string): Promise<WebhookRecord[]> {
    const webhooks: WebhookRecord[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<WebhookRecord> = await listing.page(
        this.ref,
        { owners: [owner], match: {} },
        { limit: OWNER_PAGE, cursor },
        toRecord,
      );
      webhooks.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return webhooks;
  }
}
