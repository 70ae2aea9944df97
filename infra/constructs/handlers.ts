import { Construct } from 'constructs';
import { fallbackResource, type ResourceName, resourceNames, resources } from '../../shared/routes.ts';
import { FloeFunction, type FloeFunctionProps } from './function.ts';
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
  /** The EFS file systems steps may mount: run creation refuses any other (`FLOE_EFS_FILE_SYSTEMS`). */
  readonly efsFileSystemIds: readonly string[];
  /** The names of the functions lambda steps may invoke start with it (`FLOE_LAMBDA_FUNCTION_PREFIX`). */
  readonly lambdaFunctionPrefix: string;
}

const constructId = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** One function per resource of the route table, plus the fallback that answers unclaimed paths. */
export class FloeHandlers extends Construct {
  readonly resources: Record<ResourceName, FloeFunction>;
  /** The resources' functions that use the table, the secrets and the bus: all but the static ones. */
  readonly dataResources: readonly FloeFunction[];
  /** PaddleFlow's 404 for `$default`: needs no table and no secret, and gets none. */
  readonly fallback: FloeFunction;
  /** What every function with the table and the secrets gets (the token lifetime is the resources' own). */
  private readonly environment: Readonly<Record<string, string>>;
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
      // What run creation holds steps to: Fargate sizes for flavours, these file systems, these functions.
      FLOE_EXECUTOR: 'fargate',
      FLOE_EFS_FILE_SYSTEMS: props.efsFileSystemIds.join(','),
      FLOE_LAMBDA_FUNCTION_PREFIX: props.lambdaFunctionPrefix,
    };
    const tokenTtl: Record<string, string> =
      props.tokenTtlHours === undefined ? {} : { FLOE_TOKEN_TTL_HOURS: String(props.tokenTtlHours) };

    const functions: Partial<Record<ResourceName, FloeFunction>> = {};
    const dataResources: FloeFunction[] = [];
    for (const name of resourceNames) {
      const fnProps = { entry: resources[name].entry, description: `Floe ${name} resource` };
      let fn: FloeFunction;
      if (STATIC_RESOURCES.includes(name)) {
        fn = new FloeFunction(this, constructId(name), fnProps);
      } else {
        fn = this.dataFunction(this, constructId(name), { ...fnProps, environment: tokenTtl });
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

  /**
   * A function of the shared services (a resource, the engine's, the events'): the table's items and the signing
   * key, with the variables that name them, beside `props.environment`.
   */
  dataFunction(scope: Construct, id: string, props: FloeFunctionProps): FloeFunction {
    const fn = new FloeFunction(scope, id, {
      ...props,
      environment: { ...this.environment, ...props.environment },
    });
    this.table.grantItemReadWrite(fn.role);
    this.secrets.signingKey.grantRead(fn.role);
    return fn;
  }
}
