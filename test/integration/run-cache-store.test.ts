/**
 * Run cache rows and artifact events below HTTP, on dynalite: the repositories the engine writes through and
 * the services the API reads through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo.ts';
import { ArtifactEventService } from '../../shared/services/artifact-events.ts';
import { RunCacheService } from '../../shared/services/run-caches.ts';
import {
  type ArtifactEventFilter,
  type ArtifactEventRecord,
  ArtifactEventRepository,
} from '../../shared/store/artifact-events.ts';
import type { TableRef } from '../../shared/store/client.ts';
import { ConditionFailedError } from '../../shared/store/conditions.ts';
import { InvalidCursorError, type Page, type PageRequest } from '../../shared/store/paging.ts';
import { type RunCacheRecord, RunCacheRepository } from '../../shared/store/run-caches.ts';
import { startTestTable } from '../support/table.ts';

let dynamo: LocalDynamo;
let ref: TableRef;
let caches: RunCacheRepository;
let events: ArtifactEventRepository;

beforeAll(async () => {
  ({ dynamo, ref } = await startTestTable());
  caches = new RunCacheRepository(ref);
  events = new ArtifactEventRepository(ref);
});
afterAll(async () => {
  await dynamo.close();
});

/** `2024-01-01T00:00:<n>Z`: a time that orders like n. */
const at = (n: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString();

async function newCache(fields: Partial<RunCacheRecord> = {}): Promise<RunCacheRecord> {
  const { id, seq } = await caches.allocateId();
  const record: RunCacheRecord = {
    id,
    seq,
    firstFp: 'fp1',
    secondFp: 'sp1',
    runId: 'run-000001',
    source: 'src',
    jobId: `job-${seq}`,
    nodeKey: `step-${seq}`,
    fsId: 'fs-alice-work',
    fsName: 'work',
    owner: 'alice',
    expiredTime: '-1',
    strategy: 'conservative',
    custom: '',
    createdAt: at(seq % 60),
    updatedAt: at(seq % 60),
    ...fields,
  };
  await caches.create(record);
  return record;
}

/** Every item of a list, page by page, and how many pages it took. */
async function walk<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list({ limit, cursor });
    // Only a list with nothing in it has an empty page: no cursor ever promises rows that are not there.
    if (pages > 0 || page.cursor) expect(page.items.length, 'a page is never empty').toBeGreaterThan(0);
    items.push(...page.items);
    pages++;
    cursor = page.cursor;
  } while (cursor);
  return { items, pages };
}

describe('RunCacheRepository', () => {
  it('creates rows with PaddleFlow ids, reads them back whole, refuses an id twice and deletes hard', async () => {
    const record = await newCache({ runId: 'run-crud' });
    expect(record.id).toMatch(/^cch-\d{6}$/);
    expect(await caches.get(record.id)).toEqual(record);
    await expect(caches.create(record)).rejects.toThrow(ConditionFailedError);
    await caches.delete(record.id);
    expect(await caches.get(record.id)).toBeUndefined();
    await caches.delete(record.id); // already gone: no error
    expect(await caches.get('cch-999999')).toBeUndefined();
  });

  it('gives candidates of one (firstFp, fsId, source) only, newest first, at most the limit', async () => {
    const fp = 'fp-candidates';
    const base = { firstFp: fp, fsId: 'fs-alice-a', source: 'ppl-000001-1' };
    const rows: RunCacheRecord[] = [];
    for (const n of [3, 1, 2]) rows.push(await newCache({ ...base, createdAt: at(n), jobId: `job-${n}` }));
    await newCache({ ...base, firstFp: 'fp-other' });
    await newCache({ ...base, fsId: 'fs-alice-b' });
    await newCache({ ...base, source: 'ppl-000001-2' });

    const found = await caches.candidates(fp, 'fs-alice-a', 'ppl-000001-1');
    expect(found.map((row) => row.jobId)).toEqual(['job-3', 'job-2', 'job-1']);
    expect(found[0]).toEqual(rows[0]);
    expect((await caches.candidates(fp, 'fs-alice-a', 'ppl-000001-1', 2)).map((row) => row.jobId)).toEqual([
      'job-3',
      'job-2',
    ]);
    expect(await caches.candidates(fp, 'fs-alice-a', 'nothing')).toEqual([]);
    // A run without a main fs has fsId '': its rows are found the same way.
    const noFs = await newCache({ firstFp: fp, fsId: '', fsName: '', source: 'md5' });
    expect(await caches.candidates(fp, '', 'md5')).toEqual([noFs]);
  });

  it('lists in id order, filtered exactly and paged without empty pages', async () => {
    const made: RunCacheRecord[] = [];
    for (let i = 0; i < 7; i++) {
      made.push(
        await newCache({
          owner: i % 2 === 0 ? 'Carol' : 'dave',
          fsName: i % 3 === 0 ? 'data' : 'work',
          runId: `run-list-${i % 2}`,
        }),
      );
    }
    const ids = (rows: RunCacheRecord[]) => rows.map((row) => row.id);
    const list = (filter: Partial<Parameters<RunCacheRepository['list']>[0]>, limit = 2) =>
      walk((page) => caches.list({ owners: [], fsNames: [], runIds: [], ...filter }, page), limit);

    const carol = made.filter((row) => row.owner === 'Carol');
    const byCarol = await list({ owners: ['carol'] });
    expect(ids(byCarol.items)).toEqual(ids(carol));
    expect(byCarol.pages).toBe(2);

    const both = await list({ owners: ['CAROL', 'dave'] }, 3);
    expect(ids(both.items)).toEqual(ids(made));
    expect(both.pages).toBe(3);

    const dataOfCarol = await list({ owners: ['carol'], fsNames: ['data'] }, 1);
    expect(ids(dataOfCarol.items)).toEqual(ids(carol.filter((row) => row.fsName === 'data')));

    const run1 = await list({ runIds: ['run-list-1'] });
    expect(ids(run1.items)).toEqual(ids(made.filter((row) => row.runId === 'run-list-1')));

    const everyone = await list({}, 1000);
    expect(ids(everyone.items)).toEqual(expect.arrayContaining(ids(made)));
    const seqs = everyone.items.map((row) => row.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    // A cursor belongs to the list it came from.
    const first = await caches.list({ owners: ['carol'], fsNames: [], runIds: [] }, { limit: 1 });
    await expect(
      caches.list({ owners: [], fsNames: [], runIds: [] }, { limit: 1, cursor: first.cursor }),
    ).rejects.toThrow(InvalidCursorError);
  });
});

describe('RunCacheService', () => {
  it('holds users to their own rows, and lets root see and filter everyone’s', async () => {
    const service = new RunCacheService({ caches });
    const mine = await newCache({ owner: 'erin', runId: 'run-svc' });
    const theirs = await newCache({ owner: 'frank', runId: 'run-svc' });
    const filter = { owners: ['frank'], fsNames: [], runIds: ['run-svc'] };
    const page = { limit: 50 };

    expect((await service.list({ name: 'erin' }, filter, page)).items).toEqual([mine]);
    expect((await service.list({ name: 'root' }, filter, page)).items).toEqual([theirs]);
    expect((await service.list({ name: 'ROOT' }, { ...filter, owners: [] }, page)).items).toEqual([
      mine,
      theirs,
    ]);

    expect(await service.get({ name: 'ERIN' }, mine.id)).toEqual(mine);
    await expect(service.get({ name: 'erin' }, theirs.id)).rejects.toMatchObject({
      code: 'AccessDenied',
      message: `user[erin] has no access to resource[run_cache] with ID[${theirs.id}]`,
    });
    await expect(service.delete({ name: 'erin' }, theirs.id)).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(service.get({ name: 'erin' }, 'cch-999999')).rejects.toMatchObject({
      code: 'RunCacheNotFound',
      status: 404,
    });
    await expect(service.get({ name: 'root' }, 'run-000001')).rejects.toMatchObject({
      code: 'RunCacheNotFound',
    });

    await service.delete({ name: 'root' }, theirs.id);
    expect(await caches.get(theirs.id)).toBeUndefined();
    await service.delete({ name: 'erin' }, mine.id);
    await expect(service.delete({ name: 'erin' }, mine.id)).rejects.toMatchObject({
      code: 'RunCacheNotFound',
    });
  });
});

function event(fields: Partial<ArtifactEventRecord> = {}): ArtifactEventRecord {
  return {
    runId: 'run-000001',
    fsName: 'work',
    owner: 'alice',
    artifactPath: '.pipeline/run-000001/ppl/step/out',
    step: 'step',
    jobId: 'job-1',
    type: 'output',
    artifactName: 'out',
    meta: '',
    createdAt: at(0),
    updatedAt: at(0),
    ...fields,
  };
}

const noFilter: ArtifactEventFilter = { owners: [], fsNames: [], runIds: [], types: [], paths: [] };
const listAll = (filter: Partial<ArtifactEventFilter>, limit = 1000) =>
  walk((page) => events.list({ ...noFilter, ...filter }, page), limit).then(({ items }) => items);

describe('ArtifactEventRepository', () => {
  it('keeps one event per (run, job, step, type, name), however often and in whatever batches it is written', async () => {
    const runId = 'run-idem';
    const first = event({ runId, meta: 'v1' });
    await events.put([first]);
    await events.put([first, { ...first, meta: 'v2' }]);
    // A cache hit may have no job id: two cached steps with the same output name stay two events.
    await events.put([
      event({ runId, jobId: '', step: 'a' }),
      event({ runId, jobId: '', step: 'b' }),
      event({ runId, type: 'input' }),
    ]);
    const stored = await listAll({ runIds: [runId] });
    expect(stored).toHaveLength(4);
    expect(stored.find((e) => e.jobId === 'job-1' && e.type === 'output')?.meta).toBe('v2');

    // More than one BatchWriteItem's worth.
    const many = Array.from({ length: 60 }, (_, i) =>
      event({ runId: 'run-many', jobId: `job-${i}`, createdAt: at(i) }),
    );
    await events.put(many);
    await events.put(many);
    expect(await listAll({ runIds: ['run-many'] })).toEqual(many);
  });

  it('lists oldest first, filtered by owner, fs, run, type and path, with exact pages', async () => {
    const rows = [
      event({ runId: 'run-f1', owner: 'Gina', type: 'input', artifactPath: 'p/in', createdAt: at(10) }),
      event({ runId: 'run-f1', owner: 'Gina', artifactPath: 'p/out', createdAt: at(11) }),
      event({ runId: 'run-f2', owner: 'gina', fsName: 'data', artifactPath: 'p/out', createdAt: at(12) }),
      event({ runId: 'run-f3', owner: 'hank', artifactPath: 'p/out', createdAt: at(13) }),
    ];
    // Written newest first: the order listed is the events' time, not the writes'.
    await events.put([...rows].reverse());
    const names = (list: ArtifactEventRecord[]) => list.map((e) => `${e.runId}:${e.type}:${e.artifactPath}`);

    expect(names(await listAll({ owners: ['GINA'] }, 1))).toEqual(names(rows.slice(0, 3)));
    expect(names(await listAll({ owners: ['gina', 'hank'] }, 2))).toEqual(names(rows));
    expect(names(await listAll({ owners: ['gina'], types: ['output'] }))).toEqual(names(rows.slice(1, 3)));
    expect(names(await listAll({ paths: ['p/out'], runIds: ['run-f2', 'run-f3'] }))).toEqual(
      names(rows.slice(2)),
    );
    expect(names(await listAll({ fsNames: ['data'] }))).toEqual(names([rows[2]!]));
    expect(names(await listAll({ types: ['input'], owners: ['hank'] }))).toEqual([]);
    const everyone = await listAll({}, 7);
    expect(names(everyone)).toEqual(expect.arrayContaining(names(rows)));
    const times = everyone.map((e) => e.createdAt);
    expect(times).toEqual([...times].sort());
  });

  it('deletes the events of one run, fs and path, of one owner when given, and says how many', async () => {
    const runId = 'run-del';
    await events.put([
      event({ runId, owner: 'Ivy', jobId: 'job-a', artifactPath: 'x' }),
      event({ runId, owner: 'Ivy', jobId: 'job-b', type: 'input', artifactPath: 'x' }),
      event({ runId, owner: 'ivy', jobId: 'job-c', artifactPath: 'y' }),
      event({ runId, owner: 'ivy', jobId: 'job-d', fsName: 'data', artifactPath: 'x' }),
      event({ runId, owner: 'jack', jobId: 'job-e', artifactPath: 'z' }),
      event({ runId: 'run-other', owner: 'ivy', artifactPath: 'x' }),
    ]);
    expect(await events.deleteMatching({ runId, fsName: 'work', path: 'x', owner: 'nobody' })).toBe(0);
    expect(await events.deleteMatching({ runId, fsName: 'work', path: 'x', owner: 'IVY' })).toBe(2);
    expect(await events.deleteMatching({ runId, fsName: 'work', path: 'x' })).toBe(0);
    expect(await events.deleteMatching({ runId, fsName: 'work', path: 'z' })).toBe(1);
    const left = await listAll({ runIds: [runId, 'run-other'] });
    expect(left.map((e) => e.jobId).sort()).toEqual(['job-1', 'job-c', 'job-d']);
  });
});

describe('ArtifactEventService', () => {
  const service = () => new ArtifactEventService({ events });

  it('holds users to their own events and refuses a type that is neither input nor output', async () => {
    const runId = 'run-svc-events';
    await events.put([
      event({ runId, owner: 'kate', jobId: 'job-k' }),
      event({ runId, owner: 'liam', jobId: 'job-l' }),
    ]);
    const filter = { ...noFilter, owners: ['liam'], runIds: [runId] };
    expect((await service().list({ name: 'kate' }, filter, { limit: 50 })).items.map((e) => e.owner)).toEqual(
      ['kate'],
    );
    expect((await service().list({ name: 'root' }, filter, { limit: 50 })).items.map((e) => e.owner)).toEqual(
      ['liam'],
    );
    await expect(
      service().list({ name: 'root' }, { ...noFilter, types: ['output', 'inputs'] }, { limit: 50 }),
    ).rejects.toMatchObject({ code: 'InvalidArguments', message: expect.stringContaining('inputs') });
  });

  it('deletes only the caller’s events, or for root those of the user it names', async () => {
    const runId = 'run-svc-delete';
    const path = 'out';
    await events.put([
      event({ runId, owner: 'mona', jobId: 'job-m', artifactPath: path }),
      event({ runId, owner: 'nick', jobId: 'job-n', artifactPath: path }),
      event({ runId, owner: 'root', jobId: 'job-r', artifactPath: path }),
    ]);
    const remaining = async () => (await listAll({ runIds: [runId] })).map((e) => e.owner).sort();
    const request = { fsname: 'work', runID: runId, path };

    await service().delete({ name: 'mona' }, { ...request, username: 'nick' });
    expect(await remaining()).toEqual(['nick', 'root']);
    await service().delete({ name: 'root' }, request);
    expect(await remaining()).toEqual(['nick']);
    await service().delete({ name: 'root' }, { ...request, username: 'NICK' });
    expect(await remaining()).toEqual([]);

    for (const missing of ['fsname', 'runID', 'path'] as const) {
      await expect(service().delete({ name: 'root' }, { ...request, [missing]: '' })).rejects.toMatchObject({
        code: 'InvalidURI',
        message: expect.stringContaining(missing),
      });
    }
  });
});
