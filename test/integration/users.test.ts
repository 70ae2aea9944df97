import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/api.ts';
import { call, type FloeProcess, login, startFloe } from '../support/floe-process.ts';

let floe: FloeProcess;
let root: string;

beforeAll(async () => {
  floe = await startFloe();
  root = await login(floe.api, 'root', 'paddleflow');
});
afterAll(async () => {
  await floe.stop();
});

const createUser = (username: unknown, password: unknown, token = root) =>
  call(floe.api, 'POST', '/user', { token, body: { username, password } });

async function allUserNames(): Promise<string[]> {
  const names: string[] = [];
  let marker = '';
  for (;;) {
    const page = await call(floe.api, 'GET', `/user?maxKeys=1000${marker ? `&marker=${marker}` : ''}`, {
      token: root,
    });
    names.push(...page.json.userList.map((u: { name: string }) => u.name));
    if (!page.json.isTruncated) return names;
    marker = page.json.nextMarker;
  }
}

describe('user CRUD as root', () => {
  it('creates a user who can then log in', async () => {
    const reply = await createUser('alice', 'alice123');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ username: 'alice' });
    expect(await login(floe.api, 'alice', 'alice123')).toBeTruthy();
  });

  it('reads one user with ?user=, createTime in RFC3339', async () => {
    const reply = await call(floe.api, 'GET', '/user?user=alice', { token: root });
    expect(reply.status).toBe(200);
    expect(reply.json.name).toBe('alice');
    expect(reply.json.createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(reply.json).not.toHaveProperty('message');
    expectError(await call(floe.api, 'GET', '/user?user=ghost', { token: root }), 400, 'UserNotExist');
  });

  it('refuses a second user of the same name, in any casing', async () => {
    expectError(await createUser('alice', 'other123'), 403, 'UserNameDuplicated');
    expectError(await createUser('ALICE', 'other123'), 403, 'UserNameDuplicated');
    expectError(await createUser('Root', 'other123'), 403, 'UserNameDuplicated');
    expect(await login(floe.api, 'alice', 'alice123')).toBeTruthy();
  });

  it('lets exactly one of two racing creates of one name win', async () => {
    const replies = await Promise.all([createUser('racer', 'racer123'), createUser('RACER', 'racer456')]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 403]);
    expect((await allUserNames()).filter((name) => name.toLowerCase() === 'racer')).toHaveLength(1);
  });

  it('changes a password with an empty 200', async () => {
    await createUser('carol', 'carol123');
    const reply = await call(floe.api, 'PUT', '/user/carol', { token: root, body: { password: 'carol456' } });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    expect(reply.headers.get('content-length')).toBe('0');
    expect(reply.headers.get('content-type')).toBe('application/json');
    expectError(
      await call(floe.api, 'POST', '/login', { body: { username: 'carol', password: 'carol123' } }),
      400,
      'AuthFailed',
    );
    expect(await login(floe.api, 'carol', 'carol456')).toBeTruthy();
  });

  it('deletes a user with an empty 200; the user is gone', async () => {
    await createUser('dave', 'dave1234');
    const reply = await call(floe.api, 'DELETE', '/user/dave', { token: root });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    expectError(
      await call(floe.api, 'POST', '/login', { body: { username: 'dave', password: 'dave1234' } }),
      400,
      'UserNotExist',
    );
    expectError(await call(floe.api, 'DELETE', '/user/dave', { token: root }), 400, 'UserNotExist');
    expectError(
      await call(floe.api, 'PUT', '/user/dave', { token: root, body: { password: 'dave5678' } }),
      400,
      'UserNotExist',
    );
  });

  it('never deletes root', async () => {
    expectError(await call(floe.api, 'DELETE', '/user/root', { token: root }), 403, 'AccessDenied');
    expect(await login(floe.api, 'root', 'paddleflow')).toBeTruthy();
  });
});

describe('listing users', () => {
  it('pages in creation order; nextMarker only while truncated; the last page says so truthfully', async () => {
    for (const name of ['page1', 'page2', 'page3', 'page4']) await createUser(name, 'paging123');
    const everyone = await allUserNames();
    expect(everyone.indexOf('page1')).toBeLessThan(everyone.indexOf('page4'));

    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    for (;;) {
      const reply = await call(
        floe.api,
        'GET',
        `/user?maxKeys=2${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`,
        {
          token: root,
        },
      );
      expect(reply.status).toBe(200);
      expect(reply.json.maxKeys).toBe(2);
      expect(reply.json.userList.length).toBeGreaterThan(0);
      expect(reply.json.userList.length).toBeLessThanOrEqual(2);
      seen.push(...reply.json.userList.map((u: { name: string }) => u.name));
      pages++;
      if (!reply.json.isTruncated) {
        expect(reply.json).not.toHaveProperty('nextMarker');
        break;
      }
      expect(typeof reply.json.nextMarker).toBe('string');
      marker = reply.json.nextMarker;
    }
    expect(seen).toEqual(everyone);
    expect(pages).toBe(Math.ceil(everyone.length / 2));
  });

  it('defaults maxKeys to 50', async () => {
    const reply = await call(floe.api, 'GET', '/user', { token: root });
    expect(reply.json.maxKeys).toBe(50);
    expect(Array.isArray(reply.json.userList)).toBe(true);
  });

  it.each(['0', '1001', '-1', 'ten', '2.5'])(
    'answers maxKeys=%s with 400 InvalidURI naming it',
    async (maxKeys) => {
      const reply = await call(floe.api, 'GET', `/user?maxKeys=${maxKeys}`, { token: root });
      expectError(reply, 400, 'InvalidURI');
      expect(reply.json.message).toContain(`maxKeys[${maxKeys}]`);
    },
  );

  it('refuses forged and altered markers with 400 InvalidMarker', async () => {
    const first = await call(floe.api, 'GET', '/user?maxKeys=1', { token: root });
    const marker: string = first.json.nextMarker;
    const [payload, signature] = marker.split('.');
    const altered = `${Buffer.from(JSON.stringify({ l: 'user', c: 'eyJwayI6IngifQ' })).toString('base64url')}.${signature}`;
    const foreign = `${Buffer.from(JSON.stringify({ l: 'queue', c: 'x' })).toString('base64url')}.${signature}`;
    for (const bad of ['garbage', `${payload}.AAAA`, altered, foreign, `${marker}.x`]) {
      expectError(
        await call(floe.api, 'GET', `/user?marker=${encodeURIComponent(bad)}`, { token: root }),
        400,
        'InvalidMarker',
      );
    }
  });
});

describe('a normal user', () => {
  let bob: string;
  beforeAll(async () => {
    await createUser('bob1', 'bobpass1');
    await createUser('eve1', 'evepass1');
    bob = await login(floe.api, 'bob1', 'bobpass1');
  });

  it('is refused root-only actions with 403 OnlyRootAllowed', async () => {
    expectError(await createUser('mallory', 'mallory1', bob), 403, 'OnlyRootAllowed');
    expectError(await call(floe.api, 'GET', '/user', { token: bob }), 403, 'OnlyRootAllowed');
    expect(await allUserNames()).not.toContain('mallory');
  });

  it("is refused other users' passwords, reads and deletes with 403 AccessDenied", async () => {
    expectError(
      await call(floe.api, 'PUT', '/user/eve1', { token: bob, body: { password: 'hacked123' } }),
      403,
      'AccessDenied',
    );
    expectError(await call(floe.api, 'DELETE', '/user/eve1', { token: bob }), 403, 'AccessDenied');
    expectError(await call(floe.api, 'GET', '/user?user=eve1', { token: bob }), 403, 'AccessDenied');
    expect(await login(floe.api, 'eve1', 'evepass1')).toBeTruthy();
  });

  it('checks name and password before the root check, as PaddleFlow does', async () => {
    expectError(await createUser('x', 'mallory1', bob), 400, 'InvalidNamePattern');
    expectError(await createUser('mallory', 'weak', bob), 400, 'UserPasswordWeak');
  });

  it('may change its own password, which revokes its earlier tokens', async () => {
    const reply = await call(floe.api, 'PUT', '/user/bob1', { token: bob, body: { password: 'bobpass2' } });
    expect(reply.status).toBe(200);
    expectError(
      await call(floe.api, 'PUT', '/user/bob1', { token: bob, body: { password: 'bobpass3' } }),
      400,
      'AuthInvalidToken',
    );
    const fresh = await login(floe.api, 'bob1', 'bobpass2');
    expect((await call(floe.api, 'GET', '/user?user=bob1', { token: fresh })).json.code).toBe('AccessDenied');
  });
});

describe('token revocation', () => {
  it("a root password change revokes root's old tokens and only those", async () => {
    await createUser('frank1', 'frank123');
    const frank = await login(floe.api, 'frank1', 'frank123');
    const oldRoot = await login(floe.api, 'root', 'paddleflow');
    expect(
      (await call(floe.api, 'PUT', '/user/root', { token: oldRoot, body: { password: 'newroot1' } })).status,
    ).toBe(200);
    expectError(await call(floe.api, 'GET', '/user', { token: oldRoot }), 400, 'AuthInvalidToken');
    expect(
      (await call(floe.api, 'PUT', '/user/frank1', { token: frank, body: { password: 'frank456' } })).status,
    ).toBe(200);
    root = await login(floe.api, 'root', 'newroot1');
    expect(
      (await call(floe.api, 'PUT', '/user/root', { token: root, body: { password: 'paddleflow1' } })).status,
    ).toBe(200);
    root = await login(floe.api, 'root', 'paddleflow1');
  });

  it('deleting a user revokes its tokens, even if the name is created again', async () => {
    await createUser('gina1', 'gina1234');
    const gina = await login(floe.api, 'gina1', 'gina1234');
    expect((await call(floe.api, 'DELETE', '/user/gina1', { token: root })).status).toBe(200);
    expectError(
      await call(floe.api, 'PUT', '/user/gina1', { token: gina, body: { password: 'gina5678' } }),
      400,
      'AuthInvalidToken',
    );
    await createUser('gina1', 'gina1234');
    expectError(
      await call(floe.api, 'PUT', '/user/gina1', { token: gina, body: { password: 'gina5678' } }),
      400,
      'AuthInvalidToken',
    );
  });
});

describe('malformed input changes nothing', () => {
  it.each([
    ['a short name', { username: 'abc', password: 'valid123' }, 400, 'InvalidNamePattern'],
    ['a long name', { username: 'a'.repeat(17), password: 'valid123' }, 400, 'InvalidNamePattern'],
    ['a name with symbols', { username: 'bad_name', password: 'valid123' }, 400, 'InvalidNamePattern'],
    ['no name', { password: 'valid123' }, 400, 'InvalidNamePattern'],
    ['a short password', { username: 'weakling', password: 'a1' }, 400, 'UserPasswordWeak'],
    ['a password without digits', { username: 'weakling', password: 'abcdefgh' }, 400, 'UserPasswordWeak'],
    ['a password without lowercase', { username: 'weakling', password: 'ABCDEF12' }, 400, 'UserPasswordWeak'],
    ['no password', { username: 'weakling' }, 400, 'UserPasswordWeak'],
    ['a numeric name', { username: 12345, password: 'valid123' }, 400, 'MalformedJSON'],
    ['a password object', { username: 'weakling', password: { p: 1 } }, 400, 'MalformedJSON'],
    ['a JSON array', ['weakling', 'valid123'], 400, 'MalformedJSON'],
  ])('create with %s is %i %s', async (_what, body, status, code) => {
    const before = await allUserNames();
    expectError(await call(floe.api, 'POST', '/user', { token: root, body }), status, code);
    expect(await allUserNames()).toEqual(before);
  });

  it.each(['{"username":"x",', 'not json', ''])(
    'create with body %j is 400 MalformedJSON',
    async (rawBody) => {
      const before = await allUserNames();
      expectError(await call(floe.api, 'POST', '/user', { token: root, rawBody }), 400, 'MalformedJSON');
      expect(await allUserNames()).toEqual(before);
    },
  );

  it('a weak or mistyped new password leaves the old one working', async () => {
    await createUser('henry1', 'henry123');
    expectError(
      await call(floe.api, 'PUT', '/user/henry1', { token: root, body: { password: 'weak' } }),
      400,
      'UserPasswordWeak',
    );
    expectError(
      await call(floe.api, 'PUT', '/user/henry1', { token: root, body: { password: 42 } }),
      400,
      'MalformedJSON',
    );
    expectError(
      await call(floe.api, 'PUT', '/user/henry1', { token: root, rawBody: '{' }),
      400,
      'MalformedJSON',
    );
    expect(await login(floe.api, 'henry1', 'henry123')).toBeTruthy();
  });
});
