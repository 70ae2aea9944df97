/**
 * The single table's shape, the one source for both homes: CDK builds the cloud table from it and the local
 * runtime creates the dynalite table from it. Entities own key prefixes; the GSIs are generic so that a new
 * access path reuses one instead of needing a new index (dynalite cannot add an index to an existing table).
 */

export const DEFAULT_TABLE_NAME = 'floe';

export const partitionKey = 'pk';
export const sortKey = 'sk';

/** Generic global secondary indexes, each with a string partition and sort key, projecting every attribute. */
export const globalIndexes = ['gsi1', 'gsi2', 'gsi3', 'gsi4'].map((name) => ({
  name,
  partitionKey: `${name}pk`,
  sortKey: `${name}sk`,
}));

/** Every key attribute: the table's and the indexes'. */
const keyAttributes = [partitionKey, sortKey, ...globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
const isKeyAttribute = new Set(keyAttributes);

/** A stored item as its record: every attribute but the key attributes. */
export const withoutKeys = <T = Record<string, unknown>>(row: Record<string, unknown>): T =>
  Object.fromEntries(Object.entries(row).filter(([name]) => !isKeyAttribute.has(name))) as T;

/** The table as a DynamoDB CreateTable request (on-demand): what the local runtime sends to dynalite. */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: keyAttributes.map((AttributeName) => ({
      AttributeName,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' as const },
      { AttributeName: sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: globalIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
