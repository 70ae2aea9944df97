/**
 * Key-ordered pages over a Query. A page asks for one row more than it holds, so `cursor` is set only when a
 * further row really exists: PaddleFlow's `isTruncated` looks at the whole table and can promise a page that
 * comes back empty; this never does. A cursor is the key of the last row returned (table key plus the index
 * key), and is checked against the partition being read before DynamoDB sees it.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from './client.ts';
import { globalIndexes, partitionKey as tablePartitionKey, sortKey as tableSortKey } from './table.ts';

export interface Page<T> {
  items: T[];
  /** Where the next page starts (after the last item returned), or null when this page is the last. */
  cursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | null;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor does not belong to this list');
    this.name = 'InvalidCursorError';
  }
}

type Key = Record<string, string>;

function encodeCursor(key: Key): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, keyAttributes: readonly string[], partition: Key): Key {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw new InvalidCursorError();
  }
  const fields = typeof key === 'object' && key !== null ? Object.entries(key) : [];
  const valid =
    fields.length === keyAttributes.length &&
    fields.every(([name, value]) => keyAttributes.includes(name) && typeof value === 'string') &&
    Object.entries(partition).every(([name, value]) => (key as Key)[name] === value);
  if (!valid) throw new InvalidCursorError();
  return key as Key;
}

export interface PartitionQuery {
  /** The index to read, or undefined for the table. */
  index?: { name: string; partitionKey: string; sortKey: string };
  partitionValue: string;
  /** Newest first, for sort keys that start with a time: DynamoDB reads the partition backwards. */
  descending?: boolean;
  /** Only rows whose sort key is strictly below this value (a key condition, so rows above cost nothing). */
  below?: string;
  /**
   * Only rows this accepts belong to the list (a filter no key can express). Pages stay exact: reading goes on
   * until a page and one row more are kept, and the cursor is the last kept row's key.
   */
  keep?: (row: Record<string, unknown>) => boolean;
}

/** Rows asked for per call while a `keep` predicate may drop many of them. */
const FILTERED_READ = 100;

/** One page of a partition (or of its rows below `query.below`), in sort-key order or its reverse. */
export async function queryPage<T>(
  { client, table }: TableRef,
  query: PartitionQuery,
  request: PageRequest,
  toItem: (row: Record<string, unknown>) => T,
): Promise<Page<T>> {
  const partitionKey = query.index?.partitionKey ?? tablePartitionKey;
  const sortKey = query.index?.sortKey ?? tableSortKey;
  const keyAttributes = [
    tablePartitionKey,
    tableSortKey,
    ...(query.index ? [query.index.partitionKey, query.index.sortKey] : []),
  ];
  const input: QueryCommandInput = {
    TableName: table,
    IndexName: query.index?.name,
    KeyConditionExpression: query.below === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :below',
    ExpressionAttributeNames: {
      '#pk': partitionKey,
      ...(query.below === undefined ? {} : { '#sk': sortKey }),
    },
    ExpressionAttributeValues: {
      ':pk': query.partitionValue,
      ...(query.below === undefined ? {} : { ':below': query.below }),
    },
    ScanIndexForward: !query.descending,
    Limit: query.keep ? Math.max(request.limit + 1, FILTERED_READ) : request.limit + 1,
    ExclusiveStartKey: request.cursor
      ? decodeCursor(request.cursor, keyAttributes, { [partitionKey]: query.partitionValue })
      : undefined,
  };
  const rows: Record<string, unknown>[] = [];
  // A page of an index can come back short of Limit (1 MB per call), so read on until it is full or done.
  do {
    const result = await client.send(new QueryCommand(input));
    const items = result.Items ?? [];
    rows.push(...(query.keep ? items.filter(query.keep) : items));
    input.ExclusiveStartKey = result.LastEvaluatedKey;
    input.Limit = request.limit + 1 - rows.length;
    if (query.keep) input.Limit = Math.max(input.Limit, FILTERED_READ);
  } while (input.ExclusiveStartKey && rows.length <= request.limit);

  if (rows.length <= request.limit) return { items: rows.map(toItem), cursor: null };
  const kept = rows.slice(0, request.limit);
  const last = kept[kept.length - 1]!;
  const cursor = encodeCursor(Object.fromEntries(keyAttributes.map((name) => [name, String(last[name])])));
  return { items: kept.map(toItem), cursor };
}

/**
 * A `keep` for rows whose attributes each have one of the values given (exactly), or undefined when no
 * attribute is given any value (every row is kept).
 */
export function matching(match: Record<string, string[]>): PartitionQuery['keep'] {
  const sets = Object.entries(match)
    .map(([attribute, values]) => [attribute, new Set(values)] as const)
    .filter(([, values]) => values.size > 0);
  if (sets.length === 0) return undefined;
  return (row) => sets.every(([attribute, values]) => values.has(row[attribute] as string));
}

/** What an owner-filtered list keeps: owners matched case-insensitively, and per attribute its values (exactly). */
export interface ListFilter {
  /** Empty for everyone's. */
  owners: string[];
  /** Attribute → the values it may have; no values: any. */
  match: Record<string, string[]>;
}

const allIndex = globalIndexes[0]!;
const ownerIndex = globalIndexes[1]!;

/**
 * A list PaddleFlow filters by owner (runs, pipelines, run caches, artifact events): every item sits in gsi1
 * `<name>` (everyone's) and gsi2 `<name>#<lower owner>` (one owner's), both ordered by the item's position.
 */
export class OwnerListing {
  constructor(private readonly name: string) {}

  private ownerPartition(owner: string) {
    return `${this.name}#${owner.toLowerCase()}`;
  }

  /** The index attributes an item of the list carries. */
  keys(owner: string, position: string): Record<string, string> {
    return {
      [allIndex.partitionKey]: this.name,
      [allIndex.sortKey]: position,
      [ownerIndex.partitionKey]: this.ownerPartition(owner),
      [ownerIndex.sortKey]: position,
    };
  }

  /**
   * A page in position order, filtered exactly: pages never come back empty with a promise of more. One owner
   * reads that owner's partition; any other filter is checked row by row.
   */
  page<T>(
    ref: TableRef,
    filter: ListFilter,
    request: PageRequest,
    toItem: (row: Record<string, unknown>) => T,
  ): Promise<Page<T>> {
    const owners = new Set(filter.owners.map((owner) => owner.toLowerCase()));
    const matches = matching(filter.match);
    const partition =
      owners.size === 1
        ? { index: ownerIndex, partitionValue: this.ownerPartition([...owners][0]!) }
        : { index: allIndex, partitionValue: this.name };
    if (owners.size <= 1 && !matches) return queryPage(ref, partition, request, toItem);
    const keep = (row: Record<string, unknown>) =>
      (owners.size <= 1 || owners.has((row.owner as string).toLowerCase())) && (matches?.(row) ?? true);
    return queryPage(ref, { ...partition, keep }, request, toItem);
  }
}
