/**
 * The run cache end to end (§4.5, §1.10, §4.9): steps whose cache is on reuse an earlier run's results when
 * nothing they depend on changed, over HTTP on the local runtime with real processes on a local:// fs.
 * Every step appends its name to `ran.txt`, so the file tells which steps really ran.
 */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/api.ts';
import { call, type FloeProcess } from '../support/floe-process.ts';
import { jobsOf, runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

let floe: FloeProcess;
let root: string;
let alice: string;
let bobby: string;
let dir: string;
beforeAll(async () => {
  ({
    floe,
    root,
    dir,
    tokens: { alice, bobby },
  } = await startWithWorkFs(['alice', 'bobby']));
  writeFileSync(join(dir, 'data.txt'), 'v1\n');
  return () => stopFloe(floe);
});

const { submit, waitFor } = runClient(() => floe);
const ran = () => readFileSync(join(dir, 'ran.txt'), 'utf8').trim().split('\n');
const api = (method: 'GET' | 'DELETE', path: string, token = alice, body?: unknown) =>
  call(floe.api, method, path, { token, ...(body === undefined ? {} : { body }) });

/** Produces an artifact from a parameter; consumes it. `data.txt` is in the cache's fs_scope. */
const pipeline = (name: string, word = 'hello', extra = '') => `name: ${name}
docker_env: python:3.9
cache:
  enable: true
  fs_scope:
    - name: work
      path: data.txt
fs_options:
  main_fs: {name: work}
entry_points:
  produce:
    parameters:
      word: ${word}
    command: echo produce >> ran.txt; echo {{word}} > {{out}}
    artifacts:
      output: [out]
  consume:
    deps: produce
    command: echo consume >> ran.txt; cat {{in}} > consumed-$PF_RUN_ID.txt
    artifacts:
      input:
        in: "{{produce.out}}"
${extra}`;

async function runToEnd(yaml: string) {
  const runId = await submit(alice, yaml);
  const run = await waitFor(alice, runId);
  expect(run.status, JSON.stringify(run)).toBe('succeeded');
  return { runId, run, jobs: jobsOf(run) };
}

describe('the run cache', () => {
  let first: Awaited<ReturnType<typeof runToEnd>>;
  let second: Awaited<ReturnType<typeof runToEnd>>;

  it('runs every step the first time, and records a cache row per step', async () => {
    first = await runToEnd(pipeline('cached'));
    expect(ran()).toEqual(['produce', 'consume']);
    expect(first.jobs.produce![0]).toMatchObject({ cacheRunID: '', cacheJobID: '' });
    const list = await api('GET', `/runCache?runFilter=${first.runId}`);
    expect(list.status, list.text).toBe(200);
    expect(list.json.runCacheList).toHaveLength(2);
    const jobIds = [first.jobs.produce![0].jobID, first.jobs.consume![0].jobID];
    for (const row of list.json.runCacheList) {
      expect(row).toMatchObject({
        cacheID: expect.stringMatching(/^cch-\d{6}$/),
        firstFp: expect.stringMatching(/^[0-9a-f]{64}$/),
        secondFp: expect.stringMatching(/^[0-9a-f]{64}$/),
        runID: first.runId,
        fsname: 'work',
        username: 'alice',
        expiredTime: '-1',
        strategy: 'conservative',
      });
      expect(jobIds).toContain(row.jobID);
    }
  });

  it('takes both results from the cache the second time: nothing runs, outputs are the cached ones', async () => {
    second = await runToEnd(pipeline('cached'));
    expect(ran()).toEqual(['produce', 'consume']);
    for (const step of ['produce', 'consume']) {
      expect(second.jobs[step]![0]).toMatchObject({
        status: 'succeeded',
        cacheRunID: first.runId,
        cacheJobID: first.jobs[step]![0].jobID,
      });
    }
    expect(second.jobs.produce![0].artifacts.output).toEqual(first.jobs.produce![0].artifacts.output);
    const cached = await api('GET', `/run/${first.runId}`);
    expect(cached.json.runCachedIDs).toBe(second.runId);
    // A hit writes no cache row of its own.
    const rows = await api('GET', `/runCache?runFilter=${second.runId}`);
    expect(rows.json.runCacheList).toEqual([]);
  });

  it('runs again when a parameter, the fs_scope or the YAML source changes', async () => {
    await runToEnd(pipeline('cached', 'goodbye'));
    expect(ran()).toEqual(['produce', 'consume', 'produce', 'consume']);
    // data.txt is in fs_scope: a newer modification time misses for both steps.
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'data.txt'), later, later);
    await runToEnd(pipeline('cached'));
    expect(ran()).toHaveLength(6);
    // Another source (the YAML differs by a comment): caches are not shared between sources.
    await runToEnd(pipeline('cached', 'hello', '# another source\n'));
    expect(ran()).toHaveLength(8);
  });

  it('does not reuse a row past its max_expired_time', async () => {
    const yaml = pipeline('expiring').replace('enable: true', 'enable: true\n  max_expired_time: 1');
    await runToEnd(yaml);
    const before = ran().length;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await runToEnd(yaml);
    expect(ran().length).toBe(before + 2);
  });

  it('records artifact events: inputs at start, outputs on success, cache hits included', async () => {
    const events = await api('GET', `/artifact?runFilter=${second.runId}`);
    expect(events.status, events.text).toBe(200);
    const brief = events.json.artifactEventList.map(
      (e: Record<string, string>) => `${e.step} ${e.type} ${e.artifactName}`,
    );
    expect(brief.sort()).toEqual(['consume input in', 'produce output out']);
    const output = await api('GET', `/artifact?runFilter=${first.runId}&typeFilter=output`);
    expect(output.json.artifactEventList).toEqual([
      expect.objectContaining({
        runID: first.runId,
        fsname: 'work',
        username: 'alice',
        step: 'produce',
        jobID: first.jobs.produce![0].jobID,
        artifactName: 'out',
        artifactPath: first.jobs.produce![0].artifacts.output.out,
      }),
    ]);
  });

  it('keeps a run that others reused from deletion, unless checkCache is false', async () => {
    const refused = await api('DELETE', `/run/${first.runId}`);
    expectError(refused, 403, 'ActionNotAllowed', `cached by other Runs[${second.runId}]`);
    expect((await api('GET', `/run/${first.runId}`)).status).toBe(200);
    // Once the run that reused it is gone, nothing holds it.
    expect((await api('DELETE', `/run/${second.runId}`)).status).toBe(200);
    expect((await api('DELETE', `/run/${first.runId}`)).status).toBe(200);
  });

  it('misses when the cached run was deleted (its outputs went with it)', async () => {
    const gone = await runToEnd(pipeline('cached', 'deleted'));
    expect((await api('DELETE', `/run/${gone.runId}`)).status).toBe(200);
    const before = ran().length;
    const again = await runToEnd(pipeline('cached', 'deleted'));
    expect(ran().length).toBe(before + 2);
    expect(again.jobs.produce![0].cacheRunID).toBe('');
  });

  it('deletes a run that others reused when checkCache is false', async () => {
    const a = await runToEnd(pipeline('forced', 'forced'));
    const b = await runToEnd(pipeline('forced', 'forced'));
    expect(b.jobs.produce![0].cacheRunID).toBe(a.runId);
    const reply = await api('DELETE', `/run/${a.runId}`, alice, { checkCache: false });
    expect(reply.status, reply.text).toBe(200);
    expect((await api('GET', `/run/${a.runId}`)).status).toBe(404);
  });

  it('shows and deletes cache rows, to their owner and root only', async () => {
    const list = await api('GET', '/runCache?maxKeys=1');
    const id = list.json.runCacheList[0].cacheID as string;
    expect((await api('GET', `/runCache/${id}`)).json.cacheID).toBe(id);
    expect((await api('GET', `/runCache/${id}`, root)).status).toBe(200);
    expectError(await api('GET', `/runCache/${id}`, bobby), 403, 'AccessDenied');
    expect((await api('GET', '/runCache', bobby)).json.runCacheList).toEqual([]);
    expect((await api('DELETE', `/runCache/${id}`)).status).toBe(200);
    expectError(await api('GET', `/runCache/${id}`), 404, 'RunCacheNotFound');
  });
});

describe('a cached job still running', () => {
  it('is waited for, and its result taken when it ends', async () => {
    const yaml = `name: slow
docker_env: python:3.9
cache:
  enable: true
fs_options:
  main_fs: {name: work}
entry_points:
  slow:
    command: echo slow >> ran.txt; sleep 2
`;
    const before = ran().length;
    const a = await submit(alice, yaml);
    await waitFor(alice, a, (run) => jobsOf(run).slow?.[0]?.status === 'running');
    const b = await submit(alice, yaml);
    const [runA, runB] = [await waitFor(alice, a), await waitFor(alice, b)];
    expect(runA.status).toBe('succeeded');
    expect(runB.status).toBe('succeeded');
    expect(jobsOf(runB).slow![0]).toMatchObject({ cacheRunID: a, cacheJobID: jobsOf(runA).slow![0].jobID });
    expect(ran().length).toBe(before + 1);
  }, 30_000);
});
