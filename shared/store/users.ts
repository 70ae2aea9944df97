import { createConversions, Entity } from 'electrodb';
import type { TableRef } from './client.ts';
import { conditional } from './errors.ts';
import { fetchPage, type Page, type PageRequest } from './paging.ts';

/**
 * Users. Identity is case-insensitive (`Alice` and `alice` are one user, so nobody can register `ROOT` and
 * pass PaddleFlow's case-insensitive root checks); the name keeps the casing it was created with.
 * Keys: `pk = $floe#user_<lower name>`; all users share one gsi1 partition ordered by creation time, which
 * is PaddleFlow's listing order.
 */

export interface UserRecord {
  name: string;
  passwordHash: string;
  /** ISO 8601 instant of creation. */
  createdAt: string;
  /** Bumped by every write; a write that expects another value fails. */
  version: number;
}

const userKey = (name: string) => name.toLowerCase();

function userEntity({ client, table }: TableRef) {
  return new Entity(
    {
      model: { entity: 'user', version: '1', service: 'floe' },
      attributes: {
        key: { type: 'string', required: true, readOnly: true },
        name: { type: 'string', required: true, readOnly: true },
        passwordHash: { type: 'string', required: true },
        createdAt: { type: 'string', required: true, readOnly: true },
        version: { type: 'number', required: true },
      },
      indexes: {
        byKey: {
          pk: { field: 'pk', composite: ['key'] },
          sk: { field: 'sk', composite: [] },
        },
        all: {
          index: 'gsi1',
          pk: { field: 'gsi1pk', composite: [] },
          sk: { field: 'gsi1sk', composite: ['createdAt', 'key'] },
        },
      },
    },
    { client, table },
  );
}

const toRecord = (item: UserRecord): UserRecord => ({
  name: item.name,
  passwordHash: item.passwordHash,
  createdAt: item.createdAt,
  version: item.version,
});

export class UserRepository {
  private readonly entity;
  private readonly conversions;

  constructor(table: TableRef) {
    this.entity = userEntity(table);
    this.conversions = createConversions(this.entity);
  }

  /** A strongly consistent read: auth decides on it right after a password change. */
  async get(name: string): Promise<UserRecord | undefined> {
    const { data } = await this.entity.get({ key: userKey(name) }).go({ consistent: true });
    return data ? toRecord(data) : undefined;
  }

  /** Fails with ConditionFailedError when a user of that name (in any casing) exists. */
  async create(user: Omit<UserRecord, 'version'>): Promise<UserRecord> {
    const record = { ...user, version: 1 };
    await conditional(`user ${user.name} does not exist`, () =>
      this.entity.create({ key: userKey(user.name), ...record }).go({ response: 'none' }),
    );
    return record;
  }

  /** Replaces the password hash if the user is still at `expectedVersion`. */
  async setPasswordHash(user: UserRecord, passwordHash: string): Promise<UserRecord> {
    await conditional(`user ${user.name} at version ${user.version}`, () =>
      this.entity
        .patch({ key: userKey(user.name) })
        .set({ passwordHash, version: user.version + 1 })
        .where(({ version }, { eq }) => eq(version, user.version))
        .go({ response: 'none' }),
    );
    return { ...user, passwordHash, version: user.version + 1 };
  }

  /** Deletes the user if it is still at the version the caller read. */
  async delete(user: UserRecord): Promise<void> {
    await conditional(`user ${user.name} at version ${user.version}`, () =>
      this.entity
        .delete({ key: userKey(user.name) })
        .where(({ version }, { eq }) => eq(version, user.version))
        .go({ response: 'none' }),
    );
  }

  async list(request: PageRequest): Promise<Page<UserRecord>> {
    const page = await fetchPage(
      request,
      ({ limit, cursor }) => this.entity.query.all({}).go({ limit, cursor, pages: 'all' }),
      (item) =>
        this.conversions.byAccessPattern.all.fromComposite.toCursor({
          key: userKey(item.name),
          createdAt: item.createdAt,
        }),
    );
    return { items: page.items.map(toRecord), cursor: page.cursor };
  }
}
