import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyRow, expectError, startWithUsers } from '../support/api.ts';
import { call, type FloeProcess } from '../support/floe-process.ts';

let floe: FloeProcess;
let root: string;
let alice: string;
let bob: string;

const hdfs = { url: 'hdfs://nn.example.com:9000/warehouse', properties: { user: 'hive', group: 'hadoop' } };
const s3Link = (sub: string) => ({
  url: `s3://linked-bucket/${sub}`,
  properties: { accessKey: 'AK', secretKey: 'link-secret-in-clear', endpoint: 's3.example.com' },
});

beforeAll(async () => {
  let tokens: Record<string, string>;
  ({ floe, root, tokens } = await startWithUsers(['alice', 'bobby']));
  ({ alice, bobby: bob } = tokens as { alice: string; bobby: string });
  for (const body of [
    { name: 'hfs', ...hdfs },
    { name: 'lfs', url: 'local://tmp/floe-lfs' },
    { name: 'bfs', url: 'bos://bk', properties: { accessKey: 'a', secretKey: 's', endpoint: 'e' } },
  ]) {
    const reply = await call(floe.api, 'POST', '/fs', { token: alice, body });
    expect(reply.status, reply.text).toBe(201);
  }
});
afterAll(async () => {
  await floe.stop();
});

const createLink = (token: string, body: Record<string, unknown>) =>
  call(floe.api, 'POST', '/link', { token, body });

const linkPaths = async (token: string, fsName: string, query = ''): Promise<string[]> =>
  (await everyRow(floe.api, token, `/link/${fsName}?maxKeys=1000${query}`, 'linkList')).map(
    (link) => link.fsPath,
  );

describe('creating and reading links', () => {
  it('creates a link with 201 and an empty body, and lists it in PaddleFlow shape', async () => {
    const reply = await createLink(alice, { fsName: 'hfs', fsPath: '/mnt/a', ...s3Link('team') });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.text).toBe('');

    const list = await call(floe.api, 'GET', '/link/hfs', { token: alice });
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ truncated: false, nextMarker: '' });
    expect(list.json.linkList).toHaveLength(1);
    const [link] = list.json.linkList;
    expect(Object.keys(link).sort()).toEqual(
      ['fsName', 'fsPath', 'properties', 'serverAddress', 'subPath', 'type', 'username'].sort(),
    );
    expect(link).toMatchObject({
      fsName: 'hfs',
      fsPath: '/mnt/a',
      serverAddress: 's3.example.com',
      type: 's3',
      username: 'alice',
      subPath: '/team',
    });
    expect(link.properties).toMatchObject({ accessKey: 'AK', bucket: 'linked-bucket', region: '' });
    expect(link.properties.secretKey).toMatch(/^[0-9a-f]+$/);
    expect(list.text).not.toContain('link-secret-in-clear');
  });

  it('reads one link with fsPath, in any spelling of the path, or says it does not exist', async () => {
    const one = await call(floe.api, 'GET', '/link/hfs?fsPath=mnt/a/', { token: alice });
    expect(one.json.linkList.map((l: { fsPath: string }) => l.fsPath)).toEqual(['/mnt/a']);
    expectError(
      await call(floe.api, 'GET', '/link/hfs?fsPath=/nowhere', { token: alice }),
      400,
      'LinkNotExist',
      'Link not exist',
      '/nowhere',
    );
  });

  it('lets a remote fs link a local directory, for debugging only', async () => {
    expectError(
      await createLink(alice, { fsName: 'hfs', fsPath: '/debug', url: 'local://tmp/dbg' }),
      400,
      'InvalidLinkProperties',
      'key[debug] must true',
    );
    const reply = await createLink(alice, {
      fsName: 'hfs',
      fsPath: '/debug',
      url: 'local://tmp/dbg',
      properties: { debug: 'true' },
    });
    expect(reply.status, reply.text).toBe(201);
  });
});

describe('link rules', () => {
  it.each([
    [
      'an unsupported scheme',
      { fsName: 'hfs', fsPath: '/x', url: 'bos://b/x' },
      'InvalidLinkURL',
      'link can not support [bos]',
    ],
    [
      'a malformed url',
      { fsName: 'hfs', fsPath: '/x', url: 'sftp://host' },
      'InvalidLinkURL',
      'sftp url format is wrong',
    ],
    [
      'missing properties',
      { fsName: 'hfs', fsPath: '/x', url: 'sftp://h:22/x', properties: { user: 'u' } },
      'InvalidLinkProperties',
      'key[password]',
    ],
    [
      'the fs root as path',
      { fsName: 'hfs', fsPath: '/', ...s3Link('x') },
      'InvalidLinkURL',
      'Field[fsPath]',
    ],
    ['no path', { fsName: 'hfs', ...s3Link('x') }, 'InvalidLinkURL', 'fsPath is required'],
    [
      'a missing fs',
      { fsName: 'nofs', fsPath: '/x', ...s3Link('x') },
      'LinkFileSystemNotExist',
      'fsName[nofs] is not exist',
    ],
    [
      'a local fs',
      { fsName: 'lfs', fsPath: '/x', ...s3Link('x') },
      'InvalidFileSystemFsName',
      'type[local] can not support link',
    ],
    ['a bos fs', { fsName: 'bfs', fsPath: '/x', ...s3Link('x') }, 'InvalidFileSystemFsName', 'type[bos]'],
    ['the same path', { fsName: 'hfs', fsPath: '/mnt/a', ...s3Link('x') }, 'LinkPathExist', 'fsPath[/mnt/a]'],
    [
      'a path inside a link',
      { fsName: 'hfs', fsPath: '/mnt/a/b', ...s3Link('x') },
      'LinkPathExist',
      'link path[/mnt/a]',
    ],
    [
      'a path around a link',
      { fsName: 'hfs', fsPath: '/mnt', ...s3Link('x') },
      'LinkPathExist',
      'link path[/mnt/a]',
    ],
  ])('%s is 400 %s, and nothing is linked', async (_what, body, code, inMessage) => {
    const before = await linkPaths(alice, 'hfs');
    expectError(await createLink(alice, body), 400, code, inMessage);
    expect(await linkPaths(alice, 'hfs')).toEqual(before);
  });

  it('allows a sibling path', async () => {
    expect((await createLink(alice, { fsName: 'hfs', fsPath: '/mnt/ab', ...s3Link('y') })).status).toBe(201);
  });

  it('lets exactly one of two racing nested links win, and all of several disjoint ones', async () => {
    const nested = await Promise.all([
      createLink(alice, { fsName: 'hfs', fsPath: '/race/a', ...s3Link('r1') }),
      createLink(alice, { fsName: 'hfs', fsPath: '/race/a/b', ...s3Link('r2') }),
    ]);
    expect(nested.map((r) => r.status).sort()).toEqual([201, 400]);
    expect((await linkPaths(alice, 'hfs')).filter((p) => p.startsWith('/race/'))).toHaveLength(1);

    const disjoint = await Promise.all(
      ['/d1', '/d2', '/d3'].map((fsPath) => createLink(alice, { fsName: 'hfs', fsPath, ...s3Link('d') })),
    );
    expect(disjoint.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(await linkPaths(alice, 'hfs')).toEqual(expect.arrayContaining(['/d1', '/d2', '/d3']));
  });
});

describe('paging links', () => {
  it('pages every link exactly once, newest first', async () => {
    await call(floe.api, 'POST', '/fs', { token: alice, body: { name: 'paged', ...hdfs } });
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const fsPath = `/p/${i}`;
      expect((await createLink(alice, { fsName: 'paged', fsPath, ...s3Link('p') })).status).toBe(201);
      created.push(fsPath);
    }
    const seen: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const query = `/link/paged?maxKeys=2${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`;
      const reply = await call(floe.api, 'GET', query, { token: alice });
      expect(reply.status, reply.text).toBe(200);
      seen.push(...reply.json.linkList.map((l: { fsPath: string }) => l.fsPath));
      if (!reply.json.truncated) break;
      expect(reply.json.linkList).toHaveLength(2);
      marker = reply.json.nextMarker;
    }
    expect(seen).toEqual([...created].reverse());
    const past = await call(floe.api, 'GET', '/link/paged?marker=2000-01-01%2000:00:00', { token: alice });
    expect(past.json).toEqual({
      marker: '2000-01-01 00:00:00',
      truncated: false,
      nextMarker: '',
      linkList: [],
    });
    const fsMarker = (await call(floe.api, 'GET', '/fs?maxKeys=1', { token: alice })).json.nextMarker;
    expectError(
      await call(floe.api, 'GET', `/link/paged?marker=${encodeURIComponent(fsMarker)}`, { token: alice }),
      400,
      'InvalidMarker',
    );
  });

  it('answers the links of a missing fs with 404 RecordNotFound', async () => {
    expectError(await call(floe.api, 'GET', '/link/nofs', { token: alice }), 404, 'RecordNotFound');
  });
});

describe('deleting links', () => {
  it('deletes one link with an empty 200; deleting it again is 400 LinkNotExist', async () => {
    await createLink(alice, { fsName: 'hfs', fsPath: '/gone', ...s3Link('g') });
    const reply = await call(floe.api, 'DELETE', '/link/hfs?fsPath=/gone', { token: alice });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.text).toBe('');
    expect(await linkPaths(alice, 'hfs')).not.toContain('/gone');
    expectError(
      await call(floe.api, 'DELETE', '/link/hfs?fsPath=/gone', { token: alice }),
      400,
      'LinkNotExist',
      'fspath[/gone]',
    );
    expectError(
      await call(floe.api, 'DELETE', '/link/nofs?fsPath=/x', { token: alice }),
      400,
      'LinkNotExist',
    );
    // The path is free again.
    expect((await createLink(alice, { fsName: 'hfs', fsPath: '/gone/again', ...s3Link('g') })).status).toBe(
      201,
    );
  });
});

describe('ownership', () => {
  it("keeps other users out of a user's links; root may act for anyone", async () => {
    expectError(
      await call(floe.api, 'GET', '/link/hfs?username=alice', { token: bob }),
      404,
      'RecordNotFound',
    );
    expectError(
      await createLink(bob, { fsName: 'hfs', fsPath: '/bob', username: 'alice', ...s3Link('b') }),
      400,
      'AuthIllegalUser',
    );
    expectError(
      await call(floe.api, 'DELETE', '/link/hfs?fsPath=/mnt/a&username=alice', { token: bob }),
      400,
      'LinkNotExist',
    );
    expect(await linkPaths(alice, 'hfs')).toContain('/mnt/a');
    expect(await linkPaths(root, 'hfs', '&username=alice')).toContain('/mnt/a');
    expect(
      (await createLink(root, { fsName: 'hfs', fsPath: '/byroot', username: 'alice', ...s3Link('r') }))
        .status,
    ).toBe(201);
    expect(await linkPaths(alice, 'hfs')).toContain('/byroot');
  });
});

describe('deleting the fs', () => {
  it('removes its links: a new fs of the same name has none, and every path is free', async () => {
    expect((await linkPaths(alice, 'hfs')).length).toBeGreaterThan(3);
    expect((await call(floe.api, 'DELETE', '/fs/hfs', { token: alice })).status).toBe(200);
    expectError(await call(floe.api, 'GET', '/link/hfs', { token: alice }), 404, 'RecordNotFound');

    expect(
      (await call(floe.api, 'POST', '/fs', { token: alice, body: { name: 'hfs', ...hdfs } })).status,
    ).toBe(201);
    const fresh = await call(floe.api, 'GET', '/link/hfs', { token: alice });
    expect(fresh.json).toMatchObject({ truncated: false, nextMarker: '', linkList: [] });
    expect((await createLink(alice, { fsName: 'hfs', fsPath: '/mnt/a/b', ...s3Link('new') })).status).toBe(
      201,
    );
    expect(await linkPaths(alice, 'hfs')).toEqual(['/mnt/a/b']);
  });
});
