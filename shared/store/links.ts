import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { getItem, type TableRef } from './client.ts';
import { putAtVersion } from './conditions.ts';
import { partitionKey, sortKey } from './table.ts';

/**
 * Links of a file system (reference/paddleflow.md §1.6, §7.5). All the links of one fs incarnation are one
 * item in the fs's partition: `pk = FS#<fsId>`, `sk = LINKS#<incarnation>`. Links of one fs may not nest, and
 * that rule holds under concurrent requests only if adding a link is one conditional write over every link it
 * is checked against; one versioned item makes it so. The item's size bounds the number of links (the
 * service caps it well below DynamoDB's 400 KB).
 * The incarnation in the key is what keeps links of a deleted fs from resurfacing in a new fs of that name.
 */

export interface LinkRecord {
  /** Normalised: absolute, no trailing slash. */
  fsPath: string;
  type: string;
  serverAddress: string;
  subPath: string;
  /** As stored: secrets sealed. */
  properties: Record<string, string>;
  /** The owner of the fs. */
  username: string;
  /** ISO 8601 instant. */
  createdAt: string;
}

export interface LinkSet {
  fsId: string;
  incarnation: string;
  links: LinkRecord[];
  /** 0 while the set has never been written. */
  version: number;
}

/** A link's place in the newest-first list; fsPath is unique within a set. */
export const linkPosition = (link: Pick<LinkRecord, 'createdAt' | 'fsPath'>) =>
  `${link.createdAt}#${link.fsPath}`;

const keyOf = (fsId: string, incarnation: string) => ({
  [partitionKey]: `FS#${fsId}`,
  [sortKey]: `LINKS#${incarnation}`,
});

export class LinkRepository {
  constructor(private readonly ref: TableRef) {}

  /** Strongly consistent: the nesting rule is decided on it. */
  async get(fsId: string, incarnation: string): Promise<LinkSet> {
    const item = await getItem(this.ref, keyOf(fsId, incarnation));
    return {
      fsId,
      incarnation,
      links: (item?.links as LinkRecord[] | undefined) ?? [],
      version: (item?.version as number | undefined) ?? 0,
    };
  }

  /**
   * Replaces the set's links if the set is still at the version the caller read: one conditional put.
   * Fails with ConditionFailedError otherwise. An emptied set stays, with its version, rather than being
   * deleted: a set created afresh would start again at version 1, and a writer still holding the old
   * version 1 would then overwrite it.
   */
  async save(set: LinkSet, links: LinkRecord[]): Promise<void> {
    await putAtVersion(
      this.ref,
      { ...keyOf(set.fsId, set.incarnation), fsId: set.fsId, links },
      set.version,
      `links of ${set.fsId} at version ${set.version}`,
    );
  }

  /** Removes every link of an fs incarnation, whatever their version: the cleanup after an fs is deleted. */
  async deleteAll(fsId: string, incarnation: string): Promise<void> {
    await this.ref.client.send(
      new DeleteCommand({ TableName: this.ref.table, Key: keyOf(fsId, incarnation) }),
    );
  }
}
