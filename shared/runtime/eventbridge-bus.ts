/**
 * Floe's bus in AWS: EventBridge PutEvents on the bus named `FLOE_EVENT_BUS_NAME`.
 *
 * PutEvents takes at most 10 entries per call and may accept some entries of a call and fail others (it
 * reports `FailedEntryCount` and an `ErrorCode` per entry, without throwing). Failed entries are sent once
 * more; entries that fail again make `publish` throw, naming the error codes. The entries accepted before
 * that stay published: publishers must treat a failed `publish` as "maybe partly published".
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { traced } from '../observability/tracer.ts';
import type { EventBus, EventEntry } from './events.ts';

/** EventBridge's limit of entries per PutEvents call. */
const PUT_EVENTS_BATCH = 10;

export class EventBridgeBus implements EventBus {
  constructor(
    private readonly busName: string,
    private readonly client = traced(new EventBridgeClient({})),
  ) {}

  async publish(entries: EventEntry[]): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < entries.length; start += PUT_EVENTS_BATCH) {
      const batch = entries.slice(start, start + PUT_EVENTS_BATCH).map((entry) => this.requestEntry(entry));
      ids.push(...(await this.putBatch(batch)));
    }
    return ids;
  }

  /** One call of at most 10 entries, its failed entries retried once; the ids in entry order. */
  private async putBatch(batch: PutEventsRequestEntry[]): Promise<string[]> {
    const ids: (string | undefined)[] = new Array(batch.length);
    let pending = batch.map((_, index) => index);
    let errors: string[] = [];
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const results = await this.put(pending.map((index) => batch[index]!));
      const failed: number[] = [];
      errors = [];
      pending.forEach((index, position) => {
        const result = results[position];
        if (result?.EventId && !result.ErrorCode) {
          ids[index] = result.EventId;
        } else {
          failed.push(index);
          errors.push(result?.ErrorCode ?? 'NoResult');
        }
      });
      pending = failed;
    }
    if (pending.length > 0) {
      const codes = [...new Set(errors)].join(', ');
      throw new Error(
        `EventBridge PutEvents failed ${pending.length} of ${batch.length} entries after a retry: ${codes}`,
      );
    }
    return ids as string[];
  }

  private async put(entries: PutEventsRequestEntry[]): Promise<PutEventsResultEntry[]> {
    const output = await this.client.send(new PutEventsCommand({ Entries: entries }));
    return output.Entries ?? [];
  }

  private requestEntry(entry: EventEntry): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: entry.source,
      DetailType: entry.detailType,
      Detail: JSON.stringify(entry.detail),
      ...(entry.resources ? { Resources: entry.resources } : {}),
      ...(entry.time ? { Time: new Date(entry.time) } : {}),
    };
  }
}
