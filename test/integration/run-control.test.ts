/**
 * Failing, stopping, retrying and deleting runs over HTTP on the local runtime (§4.6, §4.7), and their logs
 * (§1.12, §4.8).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { expectError } from '../support/api.ts';
import { call, type FloeProcess } from '../support/floe-process.ts';
import { jobsOf, runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

let floe: FloeProcess;
let alice: string;
let dir: string;
beforeAll(async () => {
  ({
    floe,
    dir,
    tokens: { alice },
  } = await startWithWorkFs(['alice']));
  return () => stopFloe(floe);
});

const { submit, waitFor, runUntilFinal, get, put } = runClient(
  () => floe,
  () => alice,
);
const statuses = (run: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(jobsOf(run)).map(([name, jobs]) => [name, jobs.map((job) => job.status).join(',')]),
  );

/** `bad` fails at once; `slow` would run for a while; `after` depends on `bad`; post_process `tidy` records. */
const failing = (name: string, strategy: string) => `name: ${name}
docker_env: img
failure_options:
  strategy: ${strategy}
entry_points:
  bad:
    command: echo going down; exit 3
  after:
    deps: bad
    command: echo after > ${name}-after.txt
  slow:
    command: sleep 1.5; echo slow > ${name}-slow.txt
  slower:
    deps: slow
    command: echo slower > ${name}-slower.txt
post_process:
  tidy:
    command: echo tidy > ${name}-tidy.txt
`;

describe('a failing step', () => {
  it('under fail_fast stops its siblings, cancels the rest, still runs post_process and fails the run', async () => {
    const run = await runUntilFinal(alice, failing('fastfail', 'fail_fast'), { fsName: 'work' });
    expect(run.status).toBe('failed');
    expect(statuses(run)).toMatchObject({ bad: 'failed', slow: 'terminated' });
    expect(run.runtime.bad[0].jobMessage).toContain('exit code 3');
    expect(['cancelled', undefined]).toContain(statuses(run).after);
    expect(run.postProcess.tidy.status).toBe('succeeded');
    expect(existsSync(join(dir, 'fastfail-slow.txt'))).toBe(false);
    expect(readFileSync(join(dir, 'fastfail-tidy.txt'), 'utf8')).toBe('tidy\n');
  });

  it('under continue cancels only its downstream and lets other branches finish', async () => {
    const run = await runUntilFinal(alice, failing('cont', 'continue'), { fsName: 'work' });
    expect(run.status).toBe('failed');
    expect(statuses(run)).toMatchObject({
      bad: 'failed',
      slow: 'succeeded',
      slower: 'succeeded',
      after: 'cancelled',
    });
    expect(run.postProcess.tidy.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'cont-slower.txt'), 'utf8')).toBe('slower\n');
    expect(existsSync(join(dir, 'cont-after.txt'))).toBe(false);
  });

  it('is run again by retry, in a new run that keeps what succeeded', async () => {
    const yaml = `name: retryme
docker_env: img
failure_options:
  strategy: continue
entry_points:
  ok:
    command: echo once >> retry-ok.txt
  flaky:
    command: test -f retry-fixed.txt
  next:
    deps: flaky
    command: echo next >> retry-next.txt
`;
    const first = await runUntilFinal(alice, yaml, { fsName: 'work' });
    expect(first.status).toBe('failed');
    writeFileSync(join(dir, 'retry-fixed.txt'), '');
    const retried = await put(`/run/${first.runID}?action=retry`);
    expect(retried.status, retried.text).toBe(200);
    const newId = retried.json.runID;
    expect(newId).not.toBe(first.runID);
    const second = await waitFor(alice, newId);
    expect(second.status).toBe('succeeded');
    expect(second.runtime.ok[0].jobID).toBe(first.runtime.ok[0].jobID);
    expect(readFileSync(join(dir, 'retry-ok.txt'), 'utf8')).toBe('once\n');
    expect(readFileSync(join(dir, 'retry-next.txt'), 'utf8')).toBe('next\n');
    expectError(await put(`/run/${newId}?action=retry`), 403, 'ActionNotAllowed');
    expect((await waitFor(alice, first.runID)).status).toBe('failed');
  });
});

describe('stopping a run', () => {
  const long = (name: string) => `name: ${name}
docker_env: img
entry_points:
  long:
    command: echo started > ${name}-started.txt; sleep 30; echo done > ${name}-done.txt
  later:
    deps: long
    command: echo later > ${name}-later.txt
post_process:
  tidy:
    command: echo tidy > ${name}-tidy.txt
`;
  const started = (name: string) =>
    vi.waitFor(() => expect(existsSync(join(dir, `${name}-started.txt`)), 'the step started').toBe(true), {
      timeout: 20_000,
      interval: 50,
    });

  it('terminates the running step, cancels the rest and runs post_process', async () => {
    const runId = await submit(alice, long('stopme'), { fsName: 'work' });
    await started('stopme');
    const reply = await put(`/run/${runId}?action=stop`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.text).toBe('');
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('terminated');
    expect(statuses(run)).toMatchObject({ long: 'terminated' });
    expect(['cancelled', undefined]).toContain(statuses(run).later);
    expect(run.postProcess.tidy.status).toBe('succeeded');
    expect(existsSync(join(dir, 'stopme-done.txt'))).toBe(false);
    expectError(await put(`/run/${runId}?action=stop`), 403, 'ActionNotAllowed');
  });

  it('with stopForce does not run post_process', async () => {
    const runId = await submit(alice, long('forced'), { fsName: 'work' });
    await started('forced');
    expect((await put(`/run/${runId}?action=stop`, { stopForce: true })).status).toBe(200);
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('terminated');
    expect(['cancelled', undefined]).toContain(run.postProcess.tidy?.status);
    expect(existsSync(join(dir, 'forced-tidy.txt'))).toBe(false);
  });

  it('refuses unknown actions', async () => {
    const run = await runUntilFinal(
      alice,
      'name: quick\ndocker_env: img\nentry_points:\n  q:\n    command: "true"\n',
      { fsName: 'work' },
    );
    expectError(await put(`/run/${run.runID}?action=jump`), 400, 'InvalidArguments', 'jump');
  });
});

describe('deleting a run', () => {
  it('removes a final run and its artifacts, and refuses an active one', async () => {
    const yaml = `name: deleteme
docker_env: img
entry_points:
  make:
    command: echo x > {{out}}
    artifacts:
      output: [out]
`;
    const run = await runUntilFinal(alice, yaml, { fsName: 'work' });
    expect(existsSync(join(dir, '.pipeline', run.runID))).toBe(true);
    const deleted = await call(floe.api, 'DELETE', `/run/${run.runID}`, { token: alice });
    expect(deleted.status, deleted.text).toBe(200);
    expect(existsSync(join(dir, '.pipeline', run.runID))).toBe(false);
    expectError(await get(`/run/${run.runID}`), 404, 'RunNotFound');

    const active = await submit(
      alice,
      'name: busy\ndocker_env: img\nentry_points:\n  b:\n    command: sleep 30\n',
      { fsName: 'work' },
    );
    expectError(
      await call(floe.api, 'DELETE', `/run/${active}`, { token: alice, body: { checkCache: false } }),
      403,
      'ActionNotAllowed',
      'final',
    );
    // Stopped rather than waited for: the other tests need no run left active.
    expect((await put(`/run/${active}?action=stop`)).status).toBe(200);
    await waitFor(alice, active);
  });
});

describe('run logs', () => {
  it('serve each job’s stdout and stderr with PaddleFlow’s paging', async () => {
    const yaml = `name: chatty
docker_env: img
entry_points:
  talk:
    command: for i in $(seq 1 250); do echo line-$i; done; echo oops >&2
  quiet:
    command: "true"
`;
    const run = await runUntilFinal(alice, yaml, { fsName: 'work' });
    const talk = run.runtime.talk[0];
    const logs = await get(`/log/run/${run.runID}?jobID=${talk.jobID}&pageSize=100`);
    expect(logs.status, logs.text).toBe(200);
    expect(logs.json.runID).toBe(run.runID);
    expect(logs.json.runLog).toHaveLength(1);
    const entry = logs.json.runLog[0];
    expect(entry).toMatchObject({ jobID: talk.jobID, name: `${run.runID}-talk` });
    const last = entry.taskList[0].logInfo;
    const lines = last.logContent.split('\n');
    expect(lines.at(-2)).toBe('oops');
    expect(lines).toHaveLength(101);
    expect(last.hasNextPage).toBe(true);

    const first = await get(
      `/log/run/${run.runID}?jobID=${talk.jobID}&logFilePosition=begin&pageNo=3&pageSize=100`,
    );
    const info = first.json.runLog[0].taskList[0].logInfo;
    expect(info.logContent.split('\n')[0]).toBe('line-201');
    expect(info.hasNextPage).toBe(false);

    const all = await get(`/log/run/${run.runID}`);
    expect(all.json.runLog.map((job: { jobID: string }) => job.jobID).sort()).toEqual(
      [talk.jobID, run.runtime.quiet[0].jobID].sort(),
    );
    expectError(await get(`/log/run/${run.runID}?pageSize=101`), 400, 'InvalidURI');
  });
});
