import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLocalTime } from '../../shared/http/time.ts';
import { everyRow, expectError, startWithUsers } from '../support/api.ts';
import { call, type FloeProcess } from '../support/floe-process.ts';

let floe: FloeProcess;
let root: string;
let alice: string;
let bob: string;
let pager: string;
let lonely: string;

beforeAll(async () => {
  let tokens: Record<string, string>;
  ({ floe, root, tokens } = await startWithUsers(['alice', 'bobby', 'pager', 'lonely']));
  ({ alice, bobby: bob, pager, lonely } = tokens as Record<'alice' | 'bobby' | 'pager' | 'lonely', string>);
});
afterAll(async () => {
  await floe.stop();
});

const createFs = (token: string, body: unknown) => call(floe.api, 'POST', '/fs', { token, body });
const getFs = (token: string, name: string, query = '') =>
  call(floe.api, 'GET', `/fs/${name}${query}`, { token });
const s3 = {
  accessKey: 'AKID',
  secretKey: 'the-clear-secret',
  endpoint: 's3.example.com:9000',
  region: 'bj',
};

const listAll = async (token: string, query = ''): Promise<string[]> =>
  (await everyRow(floe.api, token, `/fs?maxKeys=1000${query}`, 'fsList')).map((fs) => fs.id);

describe('creating and reading a file system', () => {
  it('creates a local fs: 201 {fsName, fsID}, then reads it in PaddleFlow shape', async () => {
    const reply = await createFs(alice, { name: 'data', url: 'local:///tmp/floe-alice/data' });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.json).toEqual({ fsName: 'data', fsID: 'fs-alice-data' });

    const read = await getFs(alice, 'data');
    expect(read.status).toBe(200);
    expect(read.json).toEqual({
      id: 'fs-alice-data',
      name: 'data',
      serverAddress: '',
      type: 'local',
      subPath: '/tmp/floe-alice/data',
      username: 'alice',
      properties: {},
      independentMountProcess: false,
    });
  });

  it("reads PaddleFlow's local://path spelling as the same absolute path", async () => {
    expect((await createFs(alice, { name: 'rel', url: 'local://tmp/floe-rel' })).status).toBe(201);
    expect((await getFs(alice, 'rel')).json.subPath).toBe('/tmp/floe-rel');
  });

  it('accepts field names in any casing, as Go does', async () => {
    const reply = await createFs(alice, {
      NAME: 'cased',
      Url: 'cfs://cfs.example.com/vol',
      IndependentMountProcess: true,
    });
    expect(reply.status, reply.text).toBe(201);
    expect((await getFs(alice, 'cased')).json).toMatchObject({
      type: 'cfs',
      serverAddress: 'cfs.example.com',
      subPath: '/vol',
      independentMountProcess: true,
    });
  });

  it('derives s3 server address, sub path, bucket and region; seals the secret key', async () => {
    const reply = await createFs(alice, { name: 'objects', url: 's3://my-bucket/team/a', properties: s3 });
    expect(reply.status, reply.text).toBe(201);
    const read = await getFs(alice, 'objects');
    expect(read.json).toMatchObject({ type: 's3', serverAddress: 's3.example.com:9000', subPath: '/team/a' });
    expect(read.json.properties).toMatchObject({ accessKey: 'AKID', bucket: 'my-bucket', region: 'bj' });
    expect(read.json.properties.secretKey).toMatch(/^[0-9a-f]{64,}$/);
    expect(read.text).not.toContain('the-clear-secret');
  });

  it('never returns an sftp password in clear, in one fs or in the list', async () => {
    const url = 'sftp://10.0.0.1:22/home/alice';
    expect(
      (await createFs(alice, { name: 'remote', url, properties: { user: 'a', password: 'pw-in-clear' } }))
        .status,
    ).toBe(201);
    const one = await getFs(alice, 'remote');
    expect(one.json.properties.password).toMatch(/^[0-9a-f]+$/);
    const list = await call(floe.api, 'GET', '/fs', { token: alice });
    expect(list.text).not.toContain('pw-in-clear');
    expect(list.text).not.toContain('the-clear-secret');
  });

  it('answers a missing fs with 404 RecordNotFound', async () => {
    expectError(
      await getFs(alice, 'nothing'),
      404,
      'RecordNotFound',
      'username[alice] not create fsName[nothing]',
    );
  });
});

describe('bad input changes nothing', () => {
  it.each([
    [
      'a name with a space',
      { name: 'bad name', url: 'local://tmp/x' },
      'FileSystemNameFormatError',
      'Field[name]',
    ],
    ['no name', { url: 'local://tmp/x' }, 'FileSystemNameFormatError', 'Field[name]'],
    [
      'a name too long for the owner',
      { name: 'n'.repeat(55), url: 'local://tmp/x' },
      'FileSystemNameFormatError',
      'at most 59',
    ],
    ['no url', { name: 'badurl' }, 'InvalidFileSystemParamsURL', 'Field[url]'],
    [
      'an unknown scheme',
      { name: 'badurl', url: 'ftp://h/x' },
      'InvalidFileSystemParamsURL',
      'can not support [ftp]',
    ],
    [
      'the machine root',
      { name: 'badurl', url: 'local:///' },
      'InvalidFileSystemParamsURL',
      'local path can not be empty',
    ],
    [
      'a path under /root',
      { name: 'badurl', url: 'local://root/x' },
      'InvalidFileSystemParamsURL',
      'under /root',
    ],
    [
      'an hdfs url without path',
      { name: 'badurl', url: 'hdfs://nn:9000' },
      'InvalidFileSystemParamsURL',
      'hdfs url format is wrong',
    ],
    [
      's3 without secretKey',
      { name: 'badprops', url: 's3://b/x', properties: { accessKey: 'a', endpoint: 'e' } },
      'InvalidFileSystemParamsProperties',
      'secretKey',
    ],
    [
      'hdfs without group',
      { name: 'badprops', url: 'hdfs://nn/x', properties: { user: 'u' } },
      'InvalidFileSystemParamsProperties',
      'key[group]',
    ],
    [
      'mock without namespace',
      { name: 'badprops', url: 'mock://pvc', properties: { pvc: 'p' } },
      'InvalidFileSystemParamsProperties',
      'key[namespace]',
    ],
    [
      'a non-integer fileMode',
      { name: 'badprops', url: 'local://tmp/x', properties: { fileMode: 'rw' } },
      'InvalidFileSystemParamsProperties',
      'key[fileMode]',
    ],
    [
      'a numeric property',
      { name: 'badtype', url: 'local://tmp/x', properties: { fileMode: 644 } },
      'MalformedJSON',
      'properties.fileMode',
    ],
    [
      'a string independentMountProcess',
      { name: 'badtype', url: 'local://tmp/x', independentMountProcess: 'yes' },
      'MalformedJSON',
      'independentMountProcess',
    ],
  ])('%s is 400 %s', async (_what, body, code, inMessage) => {
    const before = await listAll(alice);
    expectError(await createFs(alice, body), 400, code, inMessage);
    expect(await listAll(alice)).toEqual(before);
  });

  it('refuses a duplicate with 400 DuplicatedName, and lets exactly one of two racing creates win', async () => {
    expectError(
      await createFs(alice, { name: 'data', url: 'local://tmp/other' }),
      400,
      'DuplicatedName',
      'fs-alice-data',
    );
    expect((await getFs(alice, 'data')).json.subPath).toBe('/tmp/floe-alice/data');
    const replies = await Promise.all([
      createFs(alice, { name: 'racer', url: 'local://tmp/r1' }),
      createFs(alice, { name: 'racer', url: 'local://tmp/r2' }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([201, 400]);
    expect((await listAll(alice)).filter((id) => id === 'fs-alice-racer')).toHaveLength(1);
  });
});

describe('updating with PUT /fs', () => {
  it('replaces URL and properties of the same fs: 201 {fsName, fsID}', async () => {
    await createFs(alice, { name: 'movable', url: 'local://tmp/before' });
    const reply = await call(floe.api, 'PUT', '/fs', {
      token: alice,
      body: { name: 'movable', url: 's3://bk2/after', properties: s3 },
    });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.json).toEqual({ fsName: 'movable', fsID: 'fs-alice-movable' });
    const read = await getFs(alice, 'movable');
    expect(read.json).toMatchObject({ id: 'fs-alice-movable', type: 's3', subPath: '/after' });
    expect(read.json.properties.bucket).toBe('bk2');
  });

  it('keeps a sealed secret that a client sends back as it read it', async () => {
    const before = (await getFs(alice, 'objects')).json;
    const reply = await call(floe.api, 'PUT', '/fs', {
      token: alice,
      body: { name: 'objects', url: 's3://my-bucket/team/b', properties: before.properties },
    });
    expect(reply.status, reply.text).toBe(201);
    const after = (await getFs(alice, 'objects')).json;
    expect(after.properties.secretKey).toBe(before.properties.secretKey);
    expect(after.subPath).toBe('/team/b');
  });

  it('answers a missing fs with 404 and a bad one with 400, changing nothing', async () => {
    expectError(
      await call(floe.api, 'PUT', '/fs', { token: alice, body: { name: 'ghostfs', url: 'local://tmp/x' } }),
      404,
      'RecordNotFound',
    );
    expectError(
      await call(floe.api, 'PUT', '/fs', {
        token: alice,
        body: { name: 'data', url: 'sftp://h/x', properties: {} },
      }),
      400,
      'InvalidFileSystemParamsProperties',
      'key[user]',
    );
    expect((await getFs(alice, 'data')).json.type).toBe('local');
  });
});

describe('who may see and change which file system', () => {
  it('another user sees only their own: the username query is ignored for them, as in PaddleFlow', async () => {
    expectError(await getFs(bob, 'data'), 404, 'RecordNotFound', 'username[bobby]');
    expectError(await getFs(bob, 'data', '?username=alice'), 404, 'RecordNotFound', 'username[bobby]');
    expectError(
      await call(floe.api, 'DELETE', '/fs/data?username=alice', { token: bob }),
      404,
      'RecordNotFound',
    );
    expect((await getFs(alice, 'data')).status).toBe(200);
    expect(await listAll(bob, '&username=alice')).toEqual([]);
  });

  it('another user naming someone else in a body is 400 AuthIllegalUser, and nothing is created', async () => {
    expectError(
      await createFs(bob, { name: 'sneaky', url: 'local://tmp/s', username: 'alice' }),
      400,
      'AuthIllegalUser',
    );
    expectError(await getFs(root, 'sneaky', '?username=alice'), 404, 'RecordNotFound');
  });

  it('root acts for any user, in any casing of the name, and not for one that does not exist', async () => {
    const reply = await createFs(root, { name: 'byroot', url: 'local://tmp/br', username: 'ALICE' });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.json.fsID).toBe('fs-alice-byroot');
    expect((await getFs(alice, 'byroot')).json.username).toBe('alice');
    expect((await getFs(root, 'data', '?username=alice')).json.id).toBe('fs-alice-data');
    expectError(
      await createFs(root, { name: 'x', url: 'local://tmp/x', username: 'ghost' }),
      400,
      'UserNotExist',
    );
  });

  it('root lists everyone, or one user with username; others list their own', async () => {
    await createFs(bob, { name: 'data', url: 'local://tmp/bob' });
    const everyone = await listAll(root);
    expect(everyone).toEqual(expect.arrayContaining(['fs-alice-data', 'fs-bobby-data']));
    expect(await listAll(root, '&username=root')).toEqual(everyone);
    const alices = await listAll(root, '&username=alice');
    expect(alices.length).toBeGreaterThan(0);
    expect(alices.every((id) => id.startsWith('fs-alice-'))).toBe(true);
    expect(await listAll(bob)).toEqual(['fs-bobby-data']);
    expect(await listAll(root, '&fsName=data')).toEqual(['fs-bobby-data', 'fs-alice-data']);
    expect(await listAll(alice, '&fsName=data')).toEqual(['fs-alice-data']);
  });
});

describe('deleting', () => {
  it('deletes with an empty 200; the fs is gone; deleting again is 404', async () => {
    await createFs(alice, { name: 'doomed', url: 'local://tmp/d' });
    const reply = await call(floe.api, 'DELETE', '/fs/doomed', { token: alice });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    expectError(await getFs(alice, 'doomed'), 404, 'RecordNotFound');
    expect(await listAll(alice)).not.toContain('fs-alice-doomed');
    expectError(await call(floe.api, 'DELETE', '/fs/doomed', { token: alice }), 404, 'RecordNotFound');
  });

  it('root deletes for another user', async () => {
    await createFs(alice, { name: 'rootdel', url: 'local://tmp/rd' });
    expect((await call(floe.api, 'DELETE', '/fs/rootdel?username=alice', { token: root })).status).toBe(200);
    expectError(await getFs(alice, 'rootdel'), 404, 'RecordNotFound');
  });
});

describe('listing, newest first, by time', () => {
  let created: string[];
  let lastCreatedAt: number;
  beforeAll(async () => {
    created = [];
    // Created back to back, several in the same second: PaddleFlow's second-grained marker loses some.
    for (let i = 0; i < 7; i++) {
      const reply = await createFs(pager, { name: `p${i}`, url: `local://tmp/p${i}` });
      expect(reply.status).toBe(201);
      created.push(reply.json.fsID);
    }
    lastCreatedAt = Date.now();
  });

  it('pages through every fs exactly once, newest first, with exact truncation', async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    for (let page = 0; ; page++) {
      const query = `/fs?maxKeys=2${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`;
      const reply = await call(floe.api, 'GET', query, { token: pager });
      expect(reply.status, reply.text).toBe(200);
      expect(Object.keys(reply.json).sort()).toEqual(['fsList', 'marker', 'nextMarker', 'truncated']);
      if (page === 0) expect(reply.json.marker).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      else expect(reply.json.marker).toBe(marker);
      seen.push(...reply.json.fsList.map((fs: { id: string }) => fs.id));
      if (!reply.json.truncated) {
        expect(reply.json.nextMarker).toBe('');
        expect(reply.json.fsList).toHaveLength(1);
        break;
      }
      expect(reply.json.fsList).toHaveLength(2);
      marker = reply.json.nextMarker;
    }
    expect(seen).toEqual([...created].reverse());
  });

  it("accepts PaddleFlow's timestamp marker: rows created strictly before it", async () => {
    const past = await call(floe.api, 'GET', '/fs?marker=2000-01-01%2000:00:00', { token: pager });
    expect(past.json).toEqual({
      marker: '2000-01-01 00:00:00',
      truncated: false,
      nextMarker: '',
      fsList: [],
    });
    const future = await call(floe.api, 'GET', '/fs?marker=2999-01-01%2000:00:00&maxKeys=1000', {
      token: pager,
    });
    expect(future.json.fsList.map((fs: { id: string }) => fs.id)).toEqual([...created].reverse());

    // The marker must name a later second than the last row's creation (a timer may fire a little early).
    const nextSecond = (Math.floor(lastCreatedAt / 1000) + 1) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextSecond + 10 - Date.now())));
    const boundary = formatLocalTime(new Date());
    await createFs(pager, { name: 'later', url: 'local://tmp/later' });
    const before = await call(floe.api, 'GET', `/fs?marker=${encodeURIComponent(boundary)}&maxKeys=1000`, {
      token: pager,
    });
    expect(before.json.marker).toBe(boundary);
    expect(before.json.fsList.map((fs: { id: string }) => fs.id)).toEqual([...created].reverse());
    expect(await listAll(pager)).toContain('fs-pager-later');
  });

  it('answers an empty list with [], never null', async () => {
    const reply = await call(floe.api, 'GET', '/fs', { token: lonely });
    expect(reply.json).toMatchObject({ truncated: false, nextMarker: '', fsList: [] });
  });

  it('refuses bad markers with 400 InvalidMarker and bad maxKeys with 400 InvalidURI', async () => {
    const links = await call(floe.api, 'GET', '/fs?maxKeys=1', { token: root });
    const [payload, signature] = (links.json.nextMarker as string).split('.');
    const foreign = `${Buffer.from(JSON.stringify({ l: 'link', c: 'x' })).toString('base64url')}.${signature}`;
    for (const bad of ['garbage', '2024-02-30 00:00:00', `${payload}.AAAA`, foreign]) {
      expectError(
        await call(floe.api, 'GET', `/fs?marker=${encodeURIComponent(bad)}`, { token: root }),
        400,
        'InvalidMarker',
      );
    }
    expectError(
      await call(floe.api, 'GET', '/fs?maxKeys=0', { token: root }),
      400,
      'InvalidURI',
      'maxKeys[0]',
    );
    expectError(await call(floe.api, 'GET', '/fs?maxKeys=1001', { token: root }), 400, 'InvalidURI');
  });

  it('answers a wrong method on a known path with 405', async () => {
    expectError(await call(floe.api, 'DELETE', '/fs', { token: root }), 405, 'MethodNotAllowed');
  });
});
