import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '../../scripts/write-openapi.ts';
import { statusOf } from '../../shared/errors.ts';
import { authentication } from '../../shared/http/auth.ts';
import type { FloeContext, FloeRequest } from '../../shared/http/context.ts';
import type { Operation, Parameter, PathItem, Reference } from '../../shared/openapi/build.ts';
import { buildOpenApiDocument } from '../../shared/openapi/document.ts';
import { gatewayPath, type RouteSpec, resourceNames, resources } from '../../shared/routes.ts';

const document = buildOpenApiDocument();
const paths = document.paths as Record<string, PathItem>;

/** Every operation of the document, with its path and method (upper case, as in the route table). */
const operations = Object.entries(paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op: op as Operation })),
);

/** Every route and method of the route table, as `METHOD /full/path`, with its resource. */
const routeKeys = resourceNames.flatMap((resource) =>
  (resources[resource].routes as readonly RouteSpec[]).flatMap((route) =>
    route.methods.map((method) => ({ resource, route, key: `${method} ${gatewayPath(route)}` })),
  ),
);

/** Follows a local `$ref` (`#/components/schemas/Run`) through the document; undefined when it leads nowhere. */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>(
      (node, token) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[token] : undefined,
      document,
    );
}

/** Every `$ref` in a JSON value, however deep. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === '$ref' && typeof child === 'string' ? [child] : refsIn(child),
  );
}

const parameterOf = (parameter: Parameter | Reference) =>
  ('$ref' in parameter ? resolve(parameter.$ref) : parameter) as Parameter;

describe('the OpenAPI document', () => {
  it('has every route and method of shared/routes.ts, and nothing else', () => {
    const documented = operations.map(({ path, method }) => `${method} ${path}`).sort();
    expect(documented).toEqual(routeKeys.map(({ key }) => key).sort());
  });

  it('gives every operation a unique operationId, a summary, a tag of its resource and responses', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations) {
      const where = `${method} ${path}`;
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary, where).toBeTruthy();
      expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
      expect(
        Object.keys(op.responses).some((status) => /^2\d\d$/.test(status)),
        where,
      ).toBe(true);
      const { resource } = routeKeys.find(({ key }) => key === where)!;
      expect(op.tags, where).toEqual([resource]);
    }
    expect(document.tags.map((tag) => tag.name)).toEqual(resourceNames);
  });

  it('declares each path parameter on every operation of its path, and no other path parameter', () => {
    for (const { path, method, op } of operations) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      const declared = op.parameters
        .map(parameterOf)
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name)
        .sort();
      expect(declared, `${method} ${path}`).toEqual(inPath);
    }
  });

  it('resolves every $ref inside the document', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) expect(resolve(ref), ref).toBeDefined();
  });

  it('uses every schema it defines', () => {
    const used = new Set(refsIn(document));
    const unused = Object.keys(document.components.schemas).filter(
      (name) => !used.has(`#/components/schemas/${name}`),
    );
    expect(unused).toEqual([]);
  });

  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("names only PaddleFlow error codes that shared/errors.ts gives the response's status", () => {
    let checked = 0;
    for (const { path, method, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const schema = response.content?.['application/json']?.schema as {
          properties?: { code?: { enum?: string[] } };
        };
        const codes = schema?.properties?.code?.enum ?? [];
        expect(codes.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        for (const code of codes) {
          expect(statusOf(code), `${method} ${path}: ${code}`).toBe(Number(status));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(operations.length);
  });

  it('describes the token header the authentication middleware reads', async () => {
    const tokens: string[] = [];
    const middleware = authentication(async (token) => {
      tokens.push(token);
      return { name: 'alice' };
    });
    const request = {
      event: { headers: { [document.components.securitySchemes.token.name]: 'the-token' } },
      context: {},
    } as unknown as FloeRequest;
    await middleware.before!(request);
    expect(tokens).toEqual(['the-token']);
    expect(document.security).toEqual([{ token: [] }]);
  });

  it('marks public exactly the operations whose handlers answer without a token', async () => {
    const context = { getRemainingTimeInMillis: () => 1000 } as unknown as FloeContext;
    for (const { resource, route, key } of routeKeys) {
      const [method, path] = key.split(' ') as [string, string];
      const { handler } = (await import(
        pathToFileURL(join(import.meta.dirname, '../..', resources[resource].entry)).href
      )) as {
        handler: (
          event: APIGatewayProxyEventV2,
          context: FloeContext,
        ) => Promise<APIGatewayProxyStructuredResultV2>;
      };
      const event = {
        version: '2.0',
        routeKey: `ANY ${gatewayPath(route)}`,
        rawPath: path,
        rawQueryString: '',
        headers: {},
        requestContext: { http: { method, path } },
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2;
      const result = await handler(event, context);
      const askedForToken = JSON.parse(result.body || '{}').code === 'AuthWithoutToken';
      const op = paths[path]![method.toLowerCase() as 'get']!;
      expect(op.security ?? document.security, key).toEqual(askedForToken ? [{ token: [] }] : []);
    }
  });

  it('is what docs/openapi.json holds (run `npm run openapi` after changing shared/openapi)', () => {
    expect(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'))).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
