import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { impersonationGuard } from '../../shared/http/auth.ts';
import type { FloeContext, FloeRequest } from '../../shared/http/context.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { ok } from '../../shared/http/response.ts';
import { findRoute, gatewayPath, matchPath, resourceNames, resources } from '../../shared/routes.ts';
import { InvalidCursorError } from '../../shared/store/paging.ts';

describe('path matching', () => {
  it('binds one segment per parameter and decodes it', () => {
    expect(matchPath('/a/{name}', '/a/b%20c')).toEqual({ name: 'b c' });
    expect(matchPath('/a/{name}', '/a/')).toBeNull();
    expect(matchPath('/a/{name}', '/a/b/c')).toBeNull();
    expect(matchPath('/a/{name}', '/a/%E0%A4%A')).toBeNull();
    expect(matchPath('/a', '/a')).toEqual({});
  });

  it('finds the resource for each route of the table, and none for other paths', () => {
    expect(findRoute('/api/paddleflow/v1/user/alice')).toMatchObject({
      resource: 'user',
      params: { username: 'alice' },
    });
    expect(findRoute('/api/paddleflow/v1/login')).toMatchObject({ resource: 'login' });
    expect(findRoute('/api/paddleflow/v1/user/alice/extra')).toBeNull();
    expect(findRoute('/api/paddleflow/v2/user')).toBeNull();
  });
});

describe('route table entries', () => {
  it('each name a module that exports a Lambda handler', async () => {
    for (const name of resourceNames) {
      const url = pathToFileURL(join(import.meta.dirname, '..', '..', resources[name].entry)).href;
      const module = (await import(url)) as { handler: unknown };
      expect(typeof module.handler, name).toBe('function');
    }
  });
});

function event(
  method: string,
  routePath: string,
  extra: Partial<APIGatewayProxyEventV2> = {},
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `ANY ${routePath}`,
    rawPath: routePath,
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method, path: routePath } } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
    ...extra,
  };
}

const context = { getRemainingTimeInMillis: () => 1000 } as unknown as FloeContext;

describe('a resource handler', () => {
  const login = resourceHandler('login', { 'POST /login': async ({ body }) => ok({ echo: body }) });
  const loginPath = gatewayPath(resources.login.routes[0]);

  it('parses JSON and stamps the request id and content type', async () => {
    const result = await login(
      event('POST', loginPath, { body: '{"a":1}', headers: { 'x-pf-request-id': 'rid-1' } }),
      context,
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body as string)).toEqual({ echo: { a: 1 } });
    expect(result.headers).toMatchObject({ 'x-pf-request-id': 'rid-1', 'content-type': 'application/json' });
  });

  it('answers a wrong method with 405 in PaddleFlow shape', async () => {
    const result = await login(event('GET', loginPath), context);
    expect(result.statusCode).toBe(405);
    const body = JSON.parse(result.body as string);
    expect(body).toMatchObject({ code: 'MethodNotAllowed', message: '' });
    expect(body.requestID).toBe(result.headers?.['x-pf-request-id']);
  });

  it('answers a cursor the store refuses with 400 InvalidMarker', async () => {
    const refusing = resourceHandler('login', {
      'POST /login': async () => {
        throw new InvalidCursorError();
      },
    });
    const result = await refusing(event('POST', loginPath), context);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body as string).code).toBe('InvalidMarker');
  });

  it('hides unexpected errors behind a bare 500 InternalError', async () => {
    const failing = resourceHandler('login', {
      'POST /login': async () => {
        throw new Error('secret detail');
      },
    });
    const result = await failing(event('POST', loginPath), context);
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret detail');
    expect(JSON.parse(result.body as string).code).toBe('InternalError');
  });
});

describe('the impersonation guard', () => {
  const guard = impersonationGuard();
  const run = (actor: string, method: string, body: unknown, query?: Record<string, string>) => {
    const request = {
      event: { ...event(method, '/x'), body, queryStringParameters: query },
      context: { actor: { name: actor } },
    } as unknown as FloeRequest;
    try {
      guard.before?.(request);
      return 'allowed';
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it('stops a user naming another user in a POST/PUT body, in any key casing', () => {
    expect(run('alice', 'POST', { username: 'bob' })).toBe('AuthIllegalUser');
    expect(run('alice', 'PUT', { UserName: 'bob' })).toBe('AuthIllegalUser');
    expect(run('alice', 'POST', { userName: 'alice' })).toBe('allowed');
    expect(run('alice', 'POST', { userName: '' })).toBe('allowed');
  });

  it('reads the exact query parameter userName for other methods', () => {
    expect(run('alice', 'GET', undefined, { userName: 'bob' })).toBe('AuthIllegalUser');
    expect(run('alice', 'DELETE', undefined, { username: 'bob' })).toBe('allowed');
    expect(run('alice', 'GET', { userName: 'bob' })).toBe('allowed');
  });

  it('lets root act for anyone', () => {
    expect(run('root', 'POST', { userName: 'bob' })).toBe('allowed');
    expect(run('root', 'GET', undefined, { userName: 'bob' })).toBe('allowed');
  });
});
