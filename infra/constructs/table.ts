import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { globalIndexes, partitionKey, sortKey } from '../../shared/store/table.ts';

/**
 * Item actions the handlers use. No Scan (every access path is a key or an index), no transactions (the
 * embedded store has none, so the code never uses them), no streams, no table management.
 */
const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
/** An index can only be queried. */
const INDEX_ACTIONS = ['dynamodb:Query'];

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

/** The single table, built from the same shape the local runtime gives dynalite (`shared/store/table.ts`). */
export class FloeTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: stringKey(partitionKey),
      sortKey: stringKey(sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Runs, pipelines and users outlive the stack: deleting or replacing it keeps the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  get tableName() {
    return this.table.tableName;
  }

  /**
   * Item reads and writes on the table and queries on each named index: narrower than `grantReadWriteData`,
   * which adds Scan, stream reads and DescribeTable, on `index/*`.
   */
  grantItemReadWrite(grantee: iam.IGrantable): iam.Grant {
    const tableArn = this.table.tableArn;
    iam.Grant.addToPrincipal({ grantee, actions: ITEM_ACTIONS, resourceArns: [tableArn] });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: INDEX_ACTIONS,
      resourceArns: globalIndexes.map((index) => `${tableArn}/index/${index.name}`),
    });
  }
}
