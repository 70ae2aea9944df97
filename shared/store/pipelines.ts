/**
 * Pipelines (reference/paddleflow.md §1.8) without transactions: every change the API can see is one
 * conditional write to the pipeline's head item; everything written before it is invisible until it lands.
 *
 * Items:
 * - head, `pk = PPLNAME#<lower owner>#<name>`, `sk = PIPELINE`: id, name, owner, desc, times, the version
 *   allocator `lastVersion`, and `versions`, the live versions (number → fsName). Keying the head by
 *   (owner, name) makes PaddleFlow's "one pipeline of a name per user" the key's own uniqueness: creating is one
 *   `attribute_not_exists` put, with no separate name claim that a crash could leave behind or a racing
 *   request could take over from an unfinished create. Indexed for listing: gsi1 `PIPELINES` (everyone's) and
 *   gsi2 `PIPELINES#<lower owner>`, both ordered by the id's number.
 * - identity, `pk = PPL#<id>`, `sk = PIPELINE`: id → (owner, name), written once before the head. A lookup by
 *   id reads it, then the head, and believes the head only if it carries the same id: the identity item of a
 *   deleted pipeline, or of a create that never committed, leads nowhere.
 * - versions, `pk = PPL#<id>`, `sk = VERSION#…` (pipeline-versions.ts).
 */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getItem, type TableRef } from './client.ts';
import { ConditionFailedError, conditional, putNew } from './conditions.ts';
import { nextSequence, sequenceId, sortableNumber } from './counters.ts';
import { OwnerListing, type Page, type PageRequest } from './paging.ts';
import { PipelineVersionItems, type PipelineVersionRecord, pipelinePartition } from './pipeline-versions.ts';
import { partitionKey, sortKey, withoutKeys } from './table.ts';

export interface PipelineRecord {
  id: string;
  name: string;
  owner: string;
  desc: string;
  /** ISO 8601 instants. */
  createdAt: string;
  updatedAt: string;
  /** The highest version number ever handed out; numbers are never reused, even after a deletion. */
  lastVersion: number;
  /**
   * The live versions: number → the fsName it was made with (for `fsFilter` without reading the items). The
   * head's 400 KB bound this map to tens of thousands of live versions; PaddleFlow users keep a handful.
   */
  versions: Record<string, string>;
}

/** What a new version is made of; the store adds the pipeline id and the number. */
export type VersionContent = Omit<PipelineVersionRecord, 'pipelineId' | 'version'>;

export interface PipelineFilter {
  /** Only these owners (case-insensitive, as user names are); empty for everyone's. */
  owners: string[];
  /** Only these names (exact); empty for any. */
  names: string[];
}

const SEQUENCE = 'pipeline';
const ID_PREFIX = 'ppl';
const listing = new OwnerListing('PIPELINES');

const headKey = (owner: string, name: string) => ({
  [partitionKey]: `PPLNAME#${owner.toLowerCase()}#${name}`,
  [sortKey]: 'PIPELINE',
});
const identityKey = (id: string) => ({ [partitionKey]: pipelinePartition(id), [sortKey]: 'PIPELINE' });

const toRecord = (row: Record<string, unknown>) => withoutKeys<PipelineRecord>(row);

/** Live version numbers in ascending order. */
export const liveVersions = (pipeline: PipelineRecord): number[] =>
  Object.keys(pipeline.versions)
    .map(Number)
    .sort((a, b) => a - b);

export class PipelineRepository {
  readonly versionItems: PipelineVersionItems;

  constructor(private readonly ref: TableRef) {
    this.versionItems = new PipelineVersionItems(ref);
  }

  /** The pipeline `owner` has under `name`, read strongly consistent. */
  async findByName(owner: string, name: string): Promise<PipelineRecord | undefined> {
    const item = await getItem(this.ref, headKey(owner, name));
    return item ? toRecord(item) : undefined;
  }

  /** The pipeline with this id, if it exists (committed and not deleted). */
  async get(id: string): Promise<PipelineRecord | undefined> {
    const identity = await getItem(this.ref, identityKey(id));
    if (!identity) return undefined;
    const head = await this.findByName(identity.owner as string, identity.name as string);
    return head?.id === id ? head : undefined;
  }

  /**
   * Creates a pipeline with version 1. Fails with ConditionFailedError when the owner already has a pipeline
   * of that name; the id taken for the attempt is then burned (ids are unique, not gapless).
   */
  async create(
    pipeline: Pick<PipelineRecord, 'name' | 'owner' | 'desc' | 'createdAt'>,
    version: VersionContent,
  ): Promise<PipelineRecord> {
    const seq = await nextSequence(this.ref, SEQUENCE);
    const id = sequenceId(ID_PREFIX, seq);
    const { owner, name } = pipeline;
    await this.ref.client.send(
      new PutCommand({ TableName: this.ref.table, Item: { ...identityKey(id), id, owner, name } }),
    );
    await this.versionItems.put({ ...version, pipelineId: id, version: 1 });
    const record: PipelineRecord = {
      ...pipeline,
      id,
      updatedAt: pipeline.createdAt,
      lastVersion: 1,
      versions: { 1: version.fsName },
    };
    try {
      // The commit: from here on the pipeline exists.
      await putNew(
        this.ref,
        { ...headKey(owner, name), ...listing.keys(owner, sortableNumber(seq)), ...record },
        `no pipeline ${name} of ${owner}`,
      );
    } catch (error) {
      // Tidy only when the put surely did not land: after a timeout it may have, and the items are its content.
      if (error instanceof ConditionFailedError) await this.versionItems.purge(id).catch(() => undefined);
      throw error;
    }
    return record;
  }

  /**
   * Adds a version and sets the pipeline's desc. Fails with ConditionFailedError when the pipeline was deleted
   * meanwhile. Two racing updates get different numbers and both land.
   */
  async addVersion(
    pipeline: PipelineRecord,
    version: VersionContent,
    desc: string,
  ): Promise<{ pipeline: PipelineRecord; version: number }> {
    const stillThere = `pipeline ${pipeline.id} exists`;
    const { Attributes } = await conditional(stillThere, () =>
      this.updateHead(pipeline, {
        UpdateExpression: 'ADD #lastVersion :one',
        ExpressionAttributeNames: { '#lastVersion': 'lastVersion' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const n = Attributes?.lastVersion as number;
    await this.versionItems.put({ ...version, pipelineId: pipeline.id, version: n });
    try {
      // The commit: the version becomes visible with this write, or not at all.
      const { Attributes: after } = await conditional(stillThere, () =>
        this.updateHead(pipeline, {
          UpdateExpression: 'SET #versions.#n = :fsName, #desc = :desc, #updatedAt = :now',
          ExpressionAttributeNames: {
            '#versions': 'versions',
            '#n': String(n),
            '#desc': 'desc',
            '#updatedAt': 'updatedAt',
          },
          ExpressionAttributeValues: { ':fsName': version.fsName, ':desc': desc, ':now': version.createdAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { pipeline: toRecord(after!), version: n };
    } catch (error) {
      // As in create: only a refused commit leaves the item unreferenced for sure.
      if (error instanceof ConditionFailedError) {
        await this.versionItems.delete(pipeline.id, n).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * Takes a version out of the live set. Fails with ConditionFailedError unless the pipeline still exists, the
   * version is live and it is not the last live one: two racing deletions can never empty a pipeline.
   */
  async removeVersion(pipeline: PipelineRecord, n: number): Promise<void> {
    await conditional(`version ${n} of pipeline ${pipeline.id} is live and not the last`, () =>
      this.updateHead(pipeline, {
        UpdateExpression: 'REMOVE #versions.#n',
        ConditionExpression: 'attribute_exists(#versions.#n) AND size(#versions) > :one',
        ExpressionAttributeNames: { '#versions': 'versions', '#n': String(n) },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    await this.versionItems.delete(pipeline.id, n).catch(() => undefined); // invisible already
  }

  /** Deletes the pipeline (one conditional delete of its head), then tidies its partition. */
  async delete(pipeline: PipelineRecord): Promise<void> {
    await conditional(`pipeline ${pipeline.id} exists`, () =>
      this.ref.client.send(
        new DeleteCommand({
          TableName: this.ref.table,
          Key: headKey(pipeline.owner, pipeline.name),
          ConditionExpression: '#id = :id',
          ExpressionAttributeNames: { '#id': 'id' },
          ExpressionAttributeValues: { ':id': pipeline.id },
        }),
      ),
    );
    // The name is free and the id leads nowhere from here on; what is left is storage, not state.
    await this.versionItems.purge(pipeline.id).catch(() => undefined);
  }

  /** A page of pipelines in id order. One owner reads that owner's index; anything else reads everyone's. */
  list(filter: PipelineFilter, request: PageRequest): Promise<Page<PipelineRecord>> {
    return listing.page(
      this.ref,
      { owners: filter.owners, match: { name: filter.names } },
      request,
      toRecord,
    );
  }

  /** An update of the head conditional on it still being this pipeline (not deleted, not re-created). */
  private updateHead(
    pipeline: PipelineRecord,
    update: {
      UpdateExpression: string;
      ConditionExpression?: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
      ReturnValues?: 'UPDATED_NEW' | 'ALL_NEW';
    },
  ) {
    return this.ref.client.send(
      new UpdateCommand({
        TableName: this.ref.table,
        Key: headKey(pipeline.owner, pipeline.name),
        ...update,
        ConditionExpression: ['#id = :id', update.ConditionExpression].filter(Boolean).join(' AND '),
        ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#id': 'id' },
        ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':id': pipeline.id },
      }),
    );
  }
}
