/**
 * The building blocks of Floe's OpenAPI document: a typed subset of OpenAPI 3.1, JSON Schema shorthands, and
 * `operation`, which adds what every operation of this API shares (the request id, the token, PaddleFlow's
 * error body with the codes that status can carry) so that each path module states only what is its own.
 */
import type { PfErrorCode } from '../errors.ts';
import type { ResourceName, resources } from '../routes.ts';

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect). */
export type Schema = { readonly [keyword: string]: unknown };

export interface Reference {
  readonly $ref: string;
  readonly summary?: string;
  readonly description?: string;
}

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly description?: string;
  readonly schema: Schema;
}

export interface MediaType {
  readonly schema: Schema;
}

export interface Response {
  readonly description: string;
  readonly headers?: Readonly<Record<string, Reference>>;
  readonly content?: Readonly<Record<string, MediaType>>;
}

export interface RequestBody {
  readonly description?: string;
  readonly required: boolean;
  readonly content: Readonly<Record<string, MediaType>>;
}

export interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly parameters: readonly (Parameter | Reference)[];
  readonly requestBody?: RequestBody;
  readonly responses: Readonly<Record<string, Response>>;
}

type Method = 'get' | 'post' | 'put' | 'delete';
export type PathItem = Partial<Record<Method, Operation>>;

type RouteOf<R extends ResourceName> = (typeof resources)[R]['routes'][number];

/**
 * A resource's paths, exactly as its routes in shared/routes.ts: one entry per route path (relative to the
 * API prefix), one operation per method. A missing or extra route or method does not compile.
 */
export type ResourcePaths<R extends ResourceName> = {
  readonly [Route in RouteOf<R> as Route['path']]: {
    readonly [M in Route['methods'][number] as Lowercase<M>]: Operation;
  };
};

// ---------------------------------------------------------------------------------------------------------
// JSON Schema shorthands

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const described = (schema: Schema, description?: string): Schema =>
  description === undefined ? schema : { ...schema, description };

export const string = (description?: string): Schema => described({ type: 'string' }, description);
export const integer = (description?: string): Schema => described({ type: 'integer' }, description);
export const boolean = (description?: string): Schema => described({ type: 'boolean' }, description);
export const oneOfStrings = (values: readonly string[], description?: string): Schema =>
  described({ type: 'string', enum: values }, description);
export const array = (items: Schema, description?: string): Schema =>
  described({ type: 'array', items }, description);
/** A JSON object used as a map: any keys, each value of `values`. */
export const map = (values: Schema, description?: string): Schema =>
  described({ type: 'object', additionalProperties: values }, description);
/** Any JSON object. */
export const anyObject = (description?: string): Schema => described({ type: 'object' }, description);

/** `schema` or null: a type list for a typed schema, `anyOf` otherwise (a `$ref`). */
export function nullable(schema: Schema): Schema {
  const { type, ...rest } = schema;
  if (typeof type === 'string') return { ...rest, type: [type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

/**
 * An object whose properties are all present but those named in `optional`. Unknown properties are allowed:
 * requests are read as PaddleFlow reads them (unknown fields ignored), and responses may grow.
 */
export function object(
  properties: Readonly<Record<string, Schema>>,
  options: { optional?: readonly string[] | 'all'; description?: string } = {},
): Schema {
  const optional = options.optional ?? [];
  const required =
    optional === 'all' ? [] : Object.keys(properties).filter((name) => !optional.includes(name));
  return described(
    { type: 'object', properties, ...(required.length > 0 ? { required } : {}) },
    options.description,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Parameters

const parameterRef = (name: string): Reference => ({ $ref: `#/components/parameters/${name}` });

export const pathParameter = (
  name: string,
  description: string,
  schema: Schema = { type: 'string' },
): Parameter => ({ name, in: 'path', required: true, description, schema });

export const queryParameter = (
  name: string,
  description: string,
  { schema = { type: 'string' }, required = false }: { schema?: Schema; required?: boolean } = {},
): Parameter => ({ name, in: 'query', ...(required ? { required } : {}), description, schema });

/** A PaddleFlow list filter: a comma-separated list, matched exactly. */
export const filterParameter = (name: string, what: string): Parameter =>
  queryParameter(name, `Only ${what}: a comma-separated list, each matched exactly.`);

// ---------------------------------------------------------------------------------------------------------
// Responses

const requestIdHeader = { 'x-pf-request-id': { $ref: '#/components/headers/RequestId' } } as const;
const json = (schema: Schema) => ({ 'application/json': { schema } });

/** A success with a JSON body. */
export const body = (description: string, schema: Schema): Response => ({
  description,
  headers: requestIdHeader,
  content: json(schema),
});

/** PaddleFlow's empty success: no body at all (Content-Length 0, still `Content-Type: application/json`). */
export const noBody = (description: string): Response => ({ description, headers: requestIdHeader });

type ErrorStatus = 400 | 403 | 404;

const ERROR_TEXT: Record<ErrorStatus, string> = {
  400: 'Refused',
  403: 'Not allowed',
  404: 'Not found',
};

/** PaddleFlow's error body, its `code` one of `codes` (each of which shared/errors.ts maps to `status`). */
function errorResponse(status: ErrorStatus, codes: readonly PfErrorCode[]): Response {
  return {
    description: `${ERROR_TEXT[status]}: ${codes.join(', ')}.`,
    headers: requestIdHeader,
    content: json({ allOf: [ref('Error')], properties: { code: { enum: codes } } }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Operations

export interface OperationSpec {
  readonly id: string;
  readonly summary: string;
  readonly description?: string;
  /**
   * `guarded` (the default): the login token, and PaddleFlow's impersonation guard (a `userName` in the body of
   * a POST or PUT, or in the query otherwise, naming someone else is 400 AuthIllegalUser unless the caller is
   * root). `token`: the token only. `public`: neither.
   */
  readonly access?: 'guarded' | 'token' | 'public';
  /**
   * A paged list: `marker` (`timeMarker` for the time-paged fs and link lists) and `maxKeys`, and their
   * errors.
   */
  readonly paged?: 'marker' | 'time';
  readonly parameters?: readonly (Parameter | Reference)[];
  readonly requestBody?: {
    readonly schema: Schema;
    readonly required: boolean;
    readonly description?: string;
  };
  readonly responses: Readonly<Partial<Record<200 | 201, Response>>>;
  readonly errors?: Readonly<Partial<Record<ErrorStatus, readonly PfErrorCode[]>>>;
}

/** One operation, with the request id, the token, the paging parameters and the error responses they imply. */
export function operation(spec: OperationSpec): Operation {
  const access = spec.access ?? 'guarded';
  const implied: PfErrorCode[] = [];
  if (access !== 'public') implied.push('AuthWithoutToken', 'AuthInvalidToken');
  if (access === 'guarded') implied.push('AuthIllegalUser');
  if (spec.requestBody) implied.push('MalformedJSON');
  if (spec.paged) implied.push('InvalidURI', 'InvalidMarker');
  const responses: Record<string, Response> = { ...spec.responses };
  for (const status of [400, 403, 404] as const) {
    const codes = [...new Set([...(status === 400 ? implied : []), ...(spec.errors?.[status] ?? [])])];
    if (codes.length > 0) responses[status] = errorResponse(status, codes);
  }
  return {
    operationId: spec.id,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(access === 'public' ? { security: [] } : {}),
    parameters: [
      ...(spec.parameters ?? []),
      ...(spec.paged
        ? [parameterRef(spec.paged === 'time' ? 'timeMarker' : 'marker'), parameterRef('maxKeys')]
        : []),
      parameterRef('requestId'),
    ],
    ...(spec.requestBody
      ? {
          requestBody: {
            ...(spec.requestBody.description ? { description: spec.requestBody.description } : {}),
            required: spec.requestBody.required,
            content: json(spec.requestBody.schema),
          },
        }
      : {}),
    responses,
  };
}

/** What one resource adds to the document: its tag's description, its own schemas and its paths. */
export interface ResourceDoc<R extends ResourceName> {
  readonly description: string;
  readonly schemas?: Readonly<Record<string, Schema>>;
  readonly paths: ResourcePaths<R>;
}
