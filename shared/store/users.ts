import { getItem, type TableRef } from './client.ts';
import { deleteAtVersion, putNew, updateAtVersion } from './conditions.ts';
import { type Page, type PageRequest, queryPage } from './paging.ts';
import { globalIndexes, partitionKey, sortKey, withoutKeys } from './table.ts';

/**
 * Users. Identity is case-insensitive (`Alice` and `alice` are one user, so nobody can register `ROOT` and
 * pass PaddleFlow's case-insensitive root checks); the name keeps the casing it was created with.
 * Keys: `pk = USER#<lower name>`, `sk = USER`; every user is also in gsi1 partition `USERS`, ordered by
 * creation time, which is PaddleFlow's listing order.
 */

export interface UserRecord {
  name: string;
  passwordHash: string;
  /** ISO 8601 instant of creation. */
  createdAt: string;
  /** Bumped by every write; a write that expects another value fails. */
  version: number;
}

const USERS_PARTITION = 'USERS';
const listIndex = globalIndexes[0]!;

const keyOf = (name: string) => ({ [partitionKey]: `USER#${name.toLowerCase()}`, [sortKey]: 'USER' });

const toRecord = (row: Record<string, unknown>) => withoutKeys<UserRecord>(row);

export class UserRepository {
  constructor(private readonly ref: TableRef) {}

  /** A strongly consistent read: auth decides on it right after a password change. */
  async get(name: string): Promise<UserRecord | undefined> {
    const item = await getItem(this.ref, keyOf(name));
    return item ? toRecord(item) : undefined;
  }

  /** Fails with ConditionFailedError when a user of that name (in any casing) exists. */
  async create(user: Omit<UserRecord, 'version'>): Promise<UserRecord> {
    const record = { ...user, version: 1 };
    await putNew(
      this.ref,
      {
        ...keyOf(user.name),
        [listIndex.partitionKey]: USERS_PARTITION,
        [listIndex.sortKey]: `${user.createdAt}#${user.name.toLowerCase()}`,
        ...record,
      },
      `user ${user.name} does not exist`,
    );
    return record;
  }

  /** Replaces the password hash if the user is still at the version the caller read. */
  async setPasswordHash(user: UserRecord, passwordHash: string): Promise<UserRecord> {
    const version = await updateAtVersion(
      this.ref,
      { key: keyOf(user.name), version: user.version },
      { passwordHash },
      `user ${user.name} at version ${user.version}`,
    );
    return { ...user, passwordHash, version };
  }

  /** Deletes the user if it is still at the version the caller read. */
  delete(user: UserRecord): Promise<void> {
    return deleteAtVersion(
      this.ref,
      { key: keyOf(user.name), version: user.version },
      `user ${user.name} at version ${user.version}`,
    );
  }

  list(request: PageRequest): Promise<Page<UserRecord>> {
    return queryPage(this.ref, { index: listIndex, partitionValue: USERS_PARTITION }, request, toRecord);
  }
}
