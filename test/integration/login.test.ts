import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/api.ts';
import { call, type FloeProcess, login, startFloe } from '../support/floe-process.ts';

let floe: FloeProcess;
beforeAll(async () => {
  floe = await startFloe();
});
afterAll(async () => {
  await floe.stop();
});

describe('login', () => {
  it('gives root a token with the default password, and the token opens the API', async () => {
    const reply = await call(floe.api, 'POST', '/login', {
      body: { username: 'root', password: 'paddleflow' },
    });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.json)).toEqual(['authorization']);
    const users = await call(floe.api, 'GET', '/user', { token: reply.json.authorization });
    expect(users.status).toBe(200);
  });

  it('matches body keys case-insensitively, as the Go server does', async () => {
    const reply = await call(floe.api, 'POST', '/login', {
      body: { UserName: 'root', PASSWORD: 'paddleflow' },
    });
    expect(reply.status).toBe(200);
  });

  it('ignores the content type, like PaddleFlow', async () => {
    const reply = await call(floe.api, 'POST', '/login', {
      rawBody: JSON.stringify({ username: 'root', password: 'paddleflow' }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(reply.status).toBe(200);
  });

  it.each([
    [{ username: 'root', password: 'wrong1' }, 400, 'AuthFailed'],
    [{ username: 'nobody1', password: 'paddleflow' }, 400, 'UserNotExist'],
    [{ username: 5, password: 'paddleflow' }, 400, 'MalformedJSON'],
    [[], 400, 'MalformedJSON'],
  ])('refuses %j with %i %s', async (body, status, code) => {
    const reply = await call(floe.api, 'POST', '/login', { body });
    expectError(reply, status, code);
    expect(typeof reply.json.message).toBe('string');
  });

  it('names the field of the wrong type', async () => {
    const reply = await call(floe.api, 'POST', '/login', { body: { username: 'root', password: 123 } });
    expect(reply.json.message).toContain('[password]');
    expect(reply.json.message).toContain('string');
  });

  it.each(['{"username":', '', 'null'])('answers a malformed body %j with MalformedJSON', async (rawBody) => {
    const reply = await call(floe.api, 'POST', '/login', {
      rawBody,
      headers: { 'content-type': 'application/json' },
    });
    expectError(reply, 400, 'MalformedJSON');
  });
});

describe('tokens and request ids', () => {
  it('asks for a token before anything else, with 400 AuthWithoutToken', async () => {
    expectError(await call(floe.api, 'GET', '/user'), 400, 'AuthWithoutToken');
  });

  it('checks the token before the body: no token and a broken body is still AuthWithoutToken', async () => {
    const reply = await call(floe.api, 'POST', '/user', { rawBody: '{' });
    expect(reply.json.code).toBe('AuthWithoutToken');
  });

  it.each(['garbage', 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VybmFtZSI6InJvb3QiLCJjcmVkIjoieCJ9.c2lnbmF0dXJl'])(
    'refuses token %j with 400 AuthInvalidToken',
    async (token) => {
      expectError(await call(floe.api, 'GET', '/user', { token }), 400, 'AuthInvalidToken');
    },
  );

  it('refuses a token whose signature was altered', async () => {
    const token = await login(floe.api, 'root', 'paddleflow');
    const [header, payload] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), username: 'someone' }),
    ).toString('base64url');
    const reply = await call(floe.api, 'GET', '/user', {
      token: `${header}.${forgedPayload}.${token.split('.')[2]}`,
    });
    expect(reply.json.code).toBe('AuthInvalidToken');
  });

  it('echoes x-pf-request-id, or makes one, on successes and errors alike', async () => {
    const given = await call(floe.api, 'GET', '/user', { headers: { 'x-pf-request-id': 'my-request-7' } });
    expect(given.headers.get('x-pf-request-id')).toBe('my-request-7');
    expect(given.json.requestID).toBe('my-request-7');
    const made = await call(floe.api, 'POST', '/login', {
      body: { username: 'root', password: 'paddleflow' },
    });
    expect(made.headers.get('x-pf-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.headers.get('content-type')).toBe('application/json');
  });

  it('answers unknown paths with 404 PathNotFound and wrong methods with 405 MethodNotAllowed', async () => {
    const token = await login(floe.api, 'root', 'paddleflow');
    const unknown = await call(floe.api, 'GET', '/no-such-thing', { token });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: 'PathNotFound', message: '' });
    const outside = await call(floe.url, 'GET', '/');
    expect(outside.json.code).toBe('PathNotFound');
    const wrongMethod = await call(floe.api, 'DELETE', '/user', { token });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json).toMatchObject({ code: 'MethodNotAllowed', message: '' });
    const wrongLoginMethod = await call(floe.api, 'GET', '/login');
    expect(wrongLoginMethod.status).toBe(405);
  });
});
