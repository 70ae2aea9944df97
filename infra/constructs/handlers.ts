import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { fallbackResource, type ResourceName, resourceNames, resources } from '../../shared/routes.ts';
import { FloeFunction } from './function.ts';
import type { FloeSecrets } from './secrets.ts';
import type { FloeTable } from './table.ts';

/** Resources whose handlers may read root's initial password: only login seeds root. */
export const ROOT_PASSWORD_READERS: readonly ResourceName[] = ['login'];

/** Resources that serve only what their bundle holds (the OpenAPI document): no table, no secret, no bus. */
export const STATIC_RESOURCES: readonly ResourceName[] = ['openapi'];

export interface FloeHandlersProps {
  readonly table: FloeTable;
  readonly secrets: FloeSecrets;
  /** `FLOE_TOKEN_TTL_HOURS`: unset for tokens that never expire, as PaddleFlow. */
  readonly tokenTtlHours?: number;
}

const constructId = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** One function per resource of the route table, plus the fallback that answers unclaimed paths. */
export class FloeHandlers extends Construct {
  readonly resources: Record<ResourceName, FloeFunction>;
  /** The resources' functions that use the table, the secrets and the bus: all but the static ones. */
  readonly dataResources: readonly FloeFunction[];
  /** What every function with the table and the secrets gets (the token lifetime is the resources' own). */
  readonly environment: Readonly<Record<string, string>>;
  /** PaddleFlow's 404 for `$default`: needs no table and no secret, and gets none. */
  readonly fallback: FloeFunction;
  private readonly table: FloeTable;
  private readonly secrets: FloeSecrets;

  constructor(scope: Construct, id: string, props: FloeHandlersProps) {
    super(scope, id);
    const { table, secrets } = props;
    this.table = table;
    this.secrets = secrets;
    // The secrets port needs both ARNs to pick its AWS implementation, even where one is never read.
    this.environment = {
      FLOE_TABLE_NAME: table.tableName,
      FLOE_SIGNING_KEY_SECRET_ARN: secrets.signingKey.secretArn,
      FLOE_ROOT_PASSWORD_SECRET_ARN: secrets.rootPassword.secretArn,
    };
    const environment: Record<string, string> = { ...this.environment };
    if (props.tokenTtlHours !== undefined) environment.FLOE_TOKEN_TTL_HOURS = String(props.tokenTtlHours);

    const functions: Partial<Record<ResourceName, FloeFunction>> = {};
    const dataResources: FloeFunction[] = [];
    for (const name of resourceNames) {
      const isStatic = STATIC_RESOURCES.includes(name);
      const fn = new FloeFunction(this, constructId(name), {
        entry: resources[name].entry,
        description: `Floe ${name} resource`,
        ...(isStatic ? {} : { environment }),
      });
      if (!isStatic) {
        this.grantData(fn.role);
        dataResources.push(fn);
      }
      if (ROOT_PASSWORD_READERS.includes(name)) secrets.rootPassword.grantRead(fn.role);
      functions[name] = fn;
    }
    this.resources = functions as Record<ResourceName, FloeFunction>;
    this.dataResources = dataResources;

    this.fallback = new FloeFunction(this, 'NotFound', {
      entry: fallbackResource.entry,
      description: 'Floe: PaddleFlow 404 for paths no route claims',
    });
  }

  /** What a function with `environment` uses: the table's items and the signing key. */
  grantData(grantee: iam.IGrantable): void {
    this.table.grantItemReadWrite(grantee);
    this.secrets.signingKey.grantRead(grantee);
  }
}
