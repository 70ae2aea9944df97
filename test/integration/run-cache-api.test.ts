/**
 * `/runCache` and `/artifact` over HTTP on the local runtime. The rows are seeded straight into the data
 * directory's table before Floe starts (nothing on the API creates them: the engine does, as runs go).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo } from '../../infra/local/dynamo.ts';
import { formatLocalTime } from '../../shared/http/time.ts';
import { type ArtifactEventRecord, ArtifactEventRepository } from '../../shared/store/artifact-events.ts';
import { documentClient, dynamoDbClient } from '../../shared/store/client.ts';
import { type RunCacheRecord, RunCacheRepository } from '../../shared/store/run-caches.ts';
import { DEFAULT_TABLE_NAME } from '../../shared/store/table.ts';
import { expectError, startWithUsers } from '../support/api.ts';
import { call, type FloeProcess, newDataDir } from '../support/floe-process.ts';

const CREATED = '2024-03-01T08:30:00.000Z';
const caches: RunCacheRecord[] = [];
const events: ArtifactEventRecord[] = [];

/** Two caches and two events of alice's, one of each of bobby's. */
async function seed(dataDir: string) {
  const dynamo = await startLocalDynamo(dataDir, DEFAULT_TABLE_NAME);
  try {
    const ref = { client: documentClient(dynamoDbClient(dynamo.endpoint)), table: DEFAULT_TABLE_NAME };
    const repository = new RunCacheRepository(ref);
    for (const [owner, runId] of [
      ['alice', 'run-000001'],
      ['alice', 'run-000002'],
      ['bobby', 'run-000003'],
    ] as const) {
      const { id, seq } = await repository.allocateId();
      const record: RunCacheRecord = {
        id,
        seq,
        firstFp: `first-${seq}`,
        secondFp: `second-${seq}`,
        runId,
        source: 'ppl-000001-1',
        jobId: `job-${runId}-train-0000000${seq}`,
        nodeKey: 'train',
        fsId: `fs-${owner}-work`,
        fsName: 'work',
        owner,
        expiredTime: '-1',
        strategy: 'conservative',
        custom: '',
        createdAt: CREATED,
        updatedAt: CREATED,
      };
      await repository.create(record);
      caches.push(record);
    }
    const event = (owner: string, runId: string, type: 'input' | 'output'): ArtifactEventRecord => ({
      runId,
      fsName: 'work',
      owner,
      artifactPath: `.pipeline/${runId}/ppl/train/model`,
      step: 'train',
      jobId: `job-${runId}-train`,
      type,
      artifactName: 'model',
      meta: '',
      createdAt: CREATED,
      updatedAt: CREATED,
    });
    events.push(
      event('alice', 'run-000001', 'input'),
      event('alice', 'run-000001', 'output'),
      event('bobby', 'run-000003', 'output'),
    );
    await new ArtifactEventRepository(ref).put(events);
  } finally {
    await dynamo.close();
  }
}

let floe: FloeProcess;
let root: string;
let alice: string;
let bobby: string;
let carol: string;
beforeAll(async () => {
  const dataDir = newDataDir();
  await seed(dataDir);
  let tokens: Record<string, string>;
  ({ floe, root, tokens } = await startWithUsers(['alice', 'bobby', 'carol'], { dataDir }));
  ({ alice, bobby, carol } = tokens as Record<'alice' | 'bobby' | 'carol', string>);
}, 60_000);
afterAll(async () => {
  await floe.stop();
});

const get = (token: string, path: string) => call(floe.api, 'GET', path, { token });
const del = (token: string, path: string) => call(floe.api, 'DELETE', path, { token });
const cacheIds = (reply: { json: { runCacheList: { cacheID: string }[] } }) =>
  reply.json.runCacheList.map((cache) => cache.cacheID);
// Seeded in beforeAll, so read when a test runs.
const aliceFirst = () => caches[0]!;
const aliceSecond = () => caches[1]!;
const bobbys = () => caches[2]!;

describe('GET /runCache', () => {
  it('shows PaddleFlow’s RunCache, with lowercase fsname and local times', async () => {
    const cache = aliceFirst();
    const reply = await get(alice, `/runCache/${cache.id}`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toEqual({
      cacheID: cache.id,
      firstFp: cache.firstFp,
      secondFp: cache.secondFp,
      runID: 'run-000001',
      source: 'ppl-000001-1',
      jobID: cache.jobId,
      fsname: 'work',
      username: 'alice',
      expiredTime: '-1',
      strategy: 'conservative',
      custom: '',
      createTime: formatLocalTime(new Date(CREATED)),
      updateTime: formatLocalTime(new Date(CREATED)),
    });
  });

  it('answers 404 RunCacheNotFound for an id that names nothing', async () => {
    expectError(await get(root, '/runCache/cch-999999'), 404, 'RunCacheNotFound', 'cch-999999');
    expectError(await get(root, '/runCache/nonsense'), 404, 'RunCacheNotFound');
  });

  it('denies a user another user’s row, and lets root see it', async () => {
    expectError(await get(alice, `/runCache/${bobbys().id}`), 403, 'AccessDenied', 'alice');
    expect((await get(root, `/runCache/${bobbys().id}`)).status).toBe(200);
  });

  it('lists a user’s own rows only, whatever userFilter says; root everyone’s, or those it filters', async () => {
    const own = await get(alice, '/runCache?userFilter=bobby');
    expect(own.json).toMatchObject({ maxKeys: 50, isTruncated: false });
    expect(cacheIds(own)).toEqual([aliceFirst().id, aliceSecond().id]);
    expect(cacheIds(await get(bobby, '/runCache'))).toEqual([bobbys().id]);
    expect(cacheIds(await get(root, '/runCache'))).toEqual(caches.map((cache) => cache.id));
    expect(cacheIds(await get(root, '/runCache?userFilter=bobby'))).toEqual([bobbys().id]);
    expect(cacheIds(await get(root, '/runCache?runFilter=run-000002,run-000003&fsFilter=work'))).toEqual([
      aliceSecond().id,
      bobbys().id,
    ]);
  });

  it('answers an empty list in PaddleFlow’s envelope', async () => {
    expect((await get(carol, '/runCache')).json).toEqual({
      maxKeys: 50,
      isTruncated: false,
      runCacheList: [],
    });
    expect((await get(root, '/runCache?fsFilter=none&maxKeys=7')).json).toEqual({
      maxKeys: 7,
      isTruncated: false,
      runCacheList: [],
    });
  });

  it('pages with markers of its own list, and checks maxKeys', async () => {
    const first = await get(root, '/runCache?maxKeys=2');
    expect(first.json).toMatchObject({ maxKeys: 2, isTruncated: true });
    expect(cacheIds(first)).toEqual([aliceFirst().id, aliceSecond().id]);
    const second = await get(root, `/runCache?maxKeys=2&marker=${encodeURIComponent(first.json.nextMarker)}`);
    expect(second.json).toEqual({ maxKeys: 2, isTruncated: false, runCacheList: [expect.any(Object)] });
    expect(cacheIds(second)).toEqual([bobbys().id]);

    const foreign = await get(root, `/artifact?marker=${encodeURIComponent(first.json.nextMarker)}`);
    expectError(foreign, 400, 'InvalidMarker');
    for (const maxKeys of ['0', '1001', 'ten']) {
      expectError(await get(root, `/runCache?maxKeys=${maxKeys}`), 400, 'InvalidURI', `maxKeys[${maxKeys}]`);
      expectError(await get(root, `/artifact?maxKeys=${maxKeys}`), 400, 'InvalidURI', `maxKeys[${maxKeys}]`);
    }
  });
});

describe('DELETE /runCache/{id}', () => {
  it('refuses another user’s row, deletes one’s own with an empty 200, then finds nothing', async () => {
    expectError(await del(alice, `/runCache/${bobbys().id}`), 403, 'AccessDenied');
    const reply = await del(alice, `/runCache/${aliceSecond().id}`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.text).toBe('');
    expectError(await get(alice, `/runCache/${aliceSecond().id}`), 404, 'RunCacheNotFound');
    expectError(await del(alice, `/runCache/${aliceSecond().id}`), 404, 'RunCacheNotFound');
    expectError(await call(floe.api, 'PUT', '/runCache', { token: root }), 405, 'MethodNotAllowed');
  });
});

describe('GET /artifact', () => {
  it('lists a user’s own events oldest first in PaddleFlow’s ArtifactEvent shape', async () => {
    const reply = await get(alice, '/artifact?userFilter=bobby');
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toMatchObject({ maxKeys: 50, isTruncated: false });
    expect(reply.json.artifactEventList).toEqual(
      events.slice(0, 2).map((event) => ({
        runID: event.runId,
        fsname: 'work',
        username: 'alice',
        artifactPath: event.artifactPath,
        step: 'train',
        jobID: event.jobId,
        type: event.type,
        artifactName: 'model',
        meta: '',
        createTime: formatLocalTime(new Date(CREATED)),
        updateTime: formatLocalTime(new Date(CREATED)),
      })),
    );
    const outputs = await get(root, '/artifact?typeFilter=output');
    expect(outputs.json.artifactEventList.map((e: { username: string }) => e.username).sort()).toEqual([
      'alice',
      'bobby',
    ]);
    expect((await get(carol, '/artifact')).json).toEqual({
      maxKeys: 50,
      isTruncated: false,
      artifactEventList: [],
    });
  });

  it('refuses a typeFilter that is neither input nor output', async () => {
    expectError(await get(root, '/artifact?typeFilter=input,model'), 400, 'InvalidArguments', 'model');
  });
});

describe('DELETE /artifact', () => {
  const query = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const alicePath = '.pipeline/run-000001/ppl/train/model';

  it('needs fsname, runID and path', async () => {
    const full = { fsname: 'work', runID: 'run-000001', path: alicePath };
    for (const missing of ['fsname', 'runID', 'path'] as const) {
      const { [missing]: _, ...rest } = full;
      expectError(await del(alice, `/artifact?${query(rest)}`), 400, 'InvalidURI', missing);
    }
  });

  it('deletes the caller’s own events only, even when a user names another', async () => {
    const bobbysEvent = { fsname: 'work', runID: 'run-000003', path: events[2]!.artifactPath };
    const asBobby = await del(alice, `/artifact?${query({ ...bobbysEvent, username: 'bobby' })}`);
    expect(asBobby.status, asBobby.text).toBe(200);
    expect((await get(bobby, '/artifact')).json.artifactEventList).toHaveLength(1);

    const own = await del(
      alice,
      `/artifact?${query({ fsname: 'work', runID: 'run-000001', path: alicePath })}`,
    );
    expect(own.status, own.text).toBe(200);
    expect(own.text).toBe('');
    expect((await get(alice, '/artifact')).json.artifactEventList).toEqual([]);

    // Root acts for the user it names.
    expect((await del(root, `/artifact?${query({ ...bobbysEvent, username: 'bobby' })}`)).status).toBe(200);
    expect((await get(bobby, '/artifact')).json.artifactEventList).toEqual([]);
  });
});
