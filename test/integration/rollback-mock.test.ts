/** Rollback and dry runs over HTTP on the local runtime (seed 003): order, visibility, statuses. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloeProcess, Reply } from '../support/floe-process.ts';
import { runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

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

const { submit, waitFor, get, put, pollUntil } = runClient(
  () => floe,
  () => alice,
);
const tasks = async (runId: string) => {
  const reply = await get(`/task?processInstanceId=${runId}`);
  expect(reply.status, reply.text).toBe(200);
  return Object.fromEntries((reply.json as Reply['json'][]).map((task) => [task.name, task]));
};

/** Steps that log what they do and undo to `<name>.log`; `boom` fails after `b`. */
const undoable = (name: string, fail: string) => `name: ${name}
docker_env: img
entry_points:
  a:
    command: echo do a >> ${name}.log
    rollback: echo undo a >> ${name}.log
  b:
    deps: a
    command: echo do b >> ${name}.log
    rollback: echo undo b >> ${name}.log
  side:
    command: echo do side >> ${name}.log
    rollback: sleep 0.2; echo undo side >> ${name}.log
  boom:
    deps: b,side
    command: ${fail}
`;

describe('rollback', () => {
  it('a failed run undoes its succeeded steps in reverse dependency order, then fails', async () => {
    const runId = await submit(alice, undoable('rolled', 'exit 4'), { fsName: 'work' });
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('failed');
    expect(run.runMsg).toContain('boom');
    const log = readFileSync(join(dir, 'rolled.log'), 'utf8').trim().split('\n');
    expect(log.slice(0, 3).sort()).toEqual(['do a', 'do b', 'do side']);
    const undo = log.slice(3);
    expect([...undo].sort()).toEqual(['undo a', 'undo b', 'undo side']);
    expect(undo.indexOf('undo b'), log.join('|')).toBeLessThan(undo.indexOf('undo a'));
    expect(Object.keys(run.rollback).sort()).toEqual(['a', 'b', 'side']);
    expect(run.rollback.a).toMatchObject({ status: 'succeeded' });
    const byName = await tasks(runId);
    expect(byName.a.status).toBe('rollback.success');
    expect(byName.boom.status).toBe('monitor.failed');
  });

  it('a failed rollback is named in the run’s message', async () => {
    const yaml = `name: badundo
docker_env: img
entry_points:
  a:
    command: echo a
    rollback: exit 9
  b:
    deps: a
    command: exit 1
`;
    const run = await waitFor(alice, await submit(alice, yaml, { fsName: 'work' }));
    expect(run.status).toBe('failed');
    expect(run.runMsg).toMatch(/rollback failed: rollback:a$/);
    expect((await tasks(run.runID)).a.status).toBe('rollback.failed');
  });

  it('a revoked run rolls back what it did and ends terminated', async () => {
    const runId = await submit(alice, undoable('revokedundo', 'sleep 30'), { fsName: 'work' });
    await pollUntil(`/task?processInstanceId=${runId}`, (list: Reply['json'][]) =>
      list.some((task) => task.name === 'boom' && task.status === 'monitor.begin'),
    );
    const reply = await put(`/run/${runId}?action=revoke`);
    expect(reply.status, reply.text).toBe(200);
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('terminated');
    const undo = readFileSync(join(dir, 'revokedundo.log'), 'utf8').trim().split('\n').slice(3);
    expect([...undo].sort()).toEqual(['undo a', 'undo b', 'undo side']);
  });
});

describe('dry runs', () => {
  it('walks the whole DAG without running a command; every job passes with its command shown', async () => {
    const yaml = `name: drydemo
docker_env: img
entry_points:
  a:
    parameters:
      p: 7
    command: echo {{p}} > drydemo-a.txt
  loop:
    deps: a
    loop_argument: [x, y]
    command: echo {{PF_LOOP_ARGUMENT}} > drydemo-{{PF_LOOP_ARGUMENT}}.txt
  never:
    condition: "1 > 2"
    command: echo never
`;
    const run = await waitFor(alice, await submit(alice, yaml, { fsName: 'work', mock: true }));
    expect(run.status).toBe('succeeded');
    expect(existsSync(join(dir, 'drydemo-a.txt'))).toBe(false);
    expect(existsSync(join(dir, 'drydemo-x.txt'))).toBe(false);
    const byTask = (await get(`/task?processInstanceId=${run.runID}`)).json as Reply['json'][];
    const statuses = byTask.map((task) => `${task.name}:${task.status}`).sort();
    expect(statuses).toEqual(['a:mock.passed', 'loop:mock.passed', 'loop:mock.passed', 'never:skipped']);
    const loopCommands = byTask
      .filter((task) => task.name === 'loop')
      .map((task) => JSON.parse(task.params).command)
      .sort();
    expect(loopCommands).toEqual(['echo x > drydemo-x.txt', 'echo y > drydemo-y.txt']);
    expect(JSON.parse(byTask.find((task) => task.name === 'a')!.params).command).toBe(
      'echo 7 > drydemo-a.txt',
    );
  });
});
