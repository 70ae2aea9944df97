import { getItem, type TableRef } from './client.ts';
import { deleteAtVersion, putNew, updateAtVersion } from './conditions.ts';
import { queryPage } from './paging.ts';
import { globalIndexes, partitionKey, sortKey } from './table.ts';

/**
 * File systems (reference/paddleflow.md §1.5, §7.5). The id is PaddleFlow's `fs-<owner>-<name>`.
 * Keys: `pk = FS#<id>`, `sk = FS`. Every fs sits in three index partitions, each ordered by its position
 * (`<createdAt ISO>#<id>`, unique and time-ordered), which the lists read newest first:
 *   gsi1 `FS` (root's list of all), gsi2 `FSOWNER#<owner>` (one user's), gsi3 `FSNAME#<name>` (root's list
 *   filtered by name), so that no list filters rows in code or scans.
 * Each fs has a random `incarnation`: its links are stored under it, so that the links of a deleted fs, if
 * their best-effort cleanup failed, never belong to a new fs of the same name.
 */

export interface FileSystemRecord {
  id: string;
  name: string;
  /** The owner. */
  username: string;
  /** The scheme, or `hdfsWithKerberos`. */
  type: string;
  serverAddress: string;
  subPath: string;
  /** As stored: secrets sealed. */
  properties: Record<string, string>;
  independentMountProcess: boolean;
  /** ISO 8601 instants. */
  createdAt: string;
  updatedAt: string;
  incarnation: string;
  version: number;
}

/** What an update may change: everything but identity, creation and incarnation. */
export type FileSystemChanges = Pick<
  FileSystemRecord,
  'type' | 'serverAddress' | 'subPath' | 'properties' | 'independentMountProcess' | 'updatedAt'
>;

const [allIndex, ownerIndex, nameIndex] = globalIndexes as [
  (typeof globalIndexes)[0],
  (typeof globalIndexes)[0],
  (typeof globalIndexes)[0],
];
const ALL_PARTITION = 'FS';
const ownerPartition = (username: string) => `FSOWNER#${username.toLowerCase()}`;
const namePartition = (name: string) => `FSNAME#${name}`;

export const fileSystemId = (username: string, name: string) => `fs-${username}-${name}`;

/** A row's place in the newest-first lists. */
export const fileSystemPosition = (fs: Pick<FileSystemRecord, 'createdAt' | 'id'>) =>
  `${fs.createdAt}#${fs.id}`;

const keyOf = (id: string) => ({ [partitionKey]: `FS#${id}`, [sortKey]: 'FS' });

const toRecord = (row: Record<string, unknown>): FileSystemRecord => ({
  id: row.id as string,
  name: row.name as string,
  username: row.username as string,
  type: row.type as string,
  serverAddress: row.serverAddress as string,
  subPath: row.subPath as string,
  properties: (row.properties as Record<string, string> | undefined) ?? {},
  independentMountProcess: row.independentMountProcess === true,
  createdAt: row.createdAt as string,
  updatedAt: row.updatedAt as string,
  incarnation: row.incarnation as string,
  version: row.version as number,
});

export interface FileSystemQuery {
  /** One owner's file systems; all of them when undefined. */
  username?: string;
  /** Only the fs of this exact name. */
  name?: string;
  /** Only rows whose position is strictly below this. */
  below?: string;
  limit: number;
}

export class FileSystemRepository {
  constructor(private readonly ref: TableRef) {}

  /** Strongly consistent: create, update, delete and run submission decide on it. */
  async get(id: string): Promise<FileSystemRecord | undefined> {
    const item = await getItem(this.ref, keyOf(id));
    return item ? toRecord(item) : undefined;
  }

  /** Fails with ConditionFailedError when an fs of that id exists. */
  async create(fs: Omit<FileSystemRecord, 'version'>): Promise<FileSystemRecord> {
    const record = { ...fs, version: 1 };
    const position = fileSystemPosition(fs);
    await putNew(
      this.ref,
      {
        ...keyOf(fs.id),
        [allIndex.partitionKey]: ALL_PARTITION,
        [allIndex.sortKey]: position,
        [ownerIndex.partitionKey]: ownerPartition(fs.username),
        [ownerIndex.sortKey]: position,
        [nameIndex.partitionKey]: namePartition(fs.name),
        [nameIndex.sortKey]: position,
        ...record,
      },
      `fs ${fs.id} does not exist`,
    );
    return record;
  }

  /** Applies `changes` if the fs is still at the version the caller read. */
  async update(fs: FileSystemRecord, changes: FileSystemChanges): Promise<FileSystemRecord> {
    const version = await updateAtVersion(
      this.ref,
      { key: keyOf(fs.id), version: fs.version },
      { ...changes },
      `fs ${fs.id} at version ${fs.version}`,
    );
    return { ...fs, ...changes, version };
  }

  /** Deletes the fs if it is still at the version the caller read. */
  delete(fs: FileSystemRecord): Promise<void> {
    return deleteAtVersion(
      this.ref,
      { key: keyOf(fs.id), version: fs.version },
      `fs ${fs.id} at version ${fs.version}`,
    );
  }

  /** Newest first; `truncated` is exact. Reads the one index partition that holds exactly the rows asked for. */
  async list(query: FileSystemQuery): Promise<{ items: FileSystemRecord[]; truncated: boolean }> {
    if (query.username !== undefined && query.name !== undefined) {
      // One owner and one name is one id: a single read, no index.
      const fs = await this.get(fileSystemId(query.username, query.name));
      const visible = fs && (query.below === undefined || fileSystemPosition(fs) < query.below);
      return { items: visible ? [fs] : [], truncated: false };
    }
    const [index, partitionValue] =
      query.username !== undefined
        ? [ownerIndex, ownerPartition(query.username)]
        : query.name !== undefined
          ? [nameIndex, namePartition(query.name)]
          : [allIndex, ALL_PARTITION];
    const page = await queryPage(
      this.ref,
      { index, partitionValue, descending: true, below: query.below },
      { limit: query.limit },
      toRecord,
    );
    return { items: page.items, truncated: page.cursor !== null };
  }
}
