/**
 * Operators' actions over HTTP on the local runtime (reference/bamboo.md §4): pause, resume and revoke a run;
 * pause a step before it starts and resume it; debug mode with retry (new inputs), skip, force-fail and
 * ending debug; the state tree, node detail and attempt history; concurrent actions on one run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk } from '../support/api.ts';
import type { FloeProcess, Reply } from '../support/floe-process.ts';
import { runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

let floe: FloeProcess;
let alice: string;
let bob: string;
let dir: string;
beforeAll(async () => {
  ({
    floe,
    dir,
    tokens: { alice, bobby: bob },
  } = await startWithWorkFs(['alice', 'bobby']));
  return () => stopFloe(floe);
});

const { submit, waitFor, get, put, nodePath, nodeAction, waitForTree } = runClient(
  () => floe,
  () => alice,
);
const nodeStatus = (tree: Reply['json'], key: string) => tree.children[key]?.status;

/** `first` writes a file; `second` after it; `third` after that. */
const chain = (name: string, firstSleep = '0.4') => `name: ${name}
docker_env: img
entry_points:
  first:
    command: sleep ${firstSleep}; echo first > ${name}-first.txt
  second:
    deps: first
    command: echo second > ${name}-second.txt
  third:
    deps: second
    command: echo third > ${name}-third.txt
`;

describe('run control', () => {
  it('pause lets the running step finish and starts nothing more until resumed', async () => {
    const runId = await submit(alice, chain('pausing'), { fsName: 'work' });
    await waitForTree(runId, (tree) => nodeStatus(tree, 'first') === 'running');
    expectOk(await put(`/run/${runId}?action=pause`));
    const paused = await waitForTree(runId, (tree) => nodeStatus(tree, 'first') === 'succeeded');
    expect(paused).toMatchObject({ state: 'SUSPENDED', status: 'paused', runMsg: 'paused by alice' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await get(`/run/${runId}/state`)).json.children.second).toBeUndefined();
    expect((await get(`/run/${runId}`)).json.status).toBe('paused');
    expectError(await put(`/run/${runId}?action=pause`), 403, 'ActionNotAllowed', 'already paused');

    expectOk(await put(`/run/${runId}?action=resume`));
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'pausing-third.txt'), 'utf8')).toBe('third\n');
    expectError(await put(`/run/${runId}?action=resume`), 403, 'ActionNotAllowed', 'already succeeded');
  });

  it('revoke stops the running step, ends the run terminated and refuses every later action', async () => {
    const runId = await submit(alice, chain('revoking', '30'), { fsName: 'work' });
    await waitForTree(runId, (tree) => nodeStatus(tree, 'first') === 'running');
    expectOk(await put(`/run/${runId}?action=revoke`));
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('terminated');
    expect(existsSync(join(dir, 'revoking-first.txt'))).toBe(false);
    const tree = (await get(`/run/${runId}/state`)).json;
    expect(tree).toMatchObject({ state: 'REVOKED', revokedBy: 'alice' });
    expect(tree.children.first).toMatchObject({ state: 'REVOKED', status: 'terminated' });
    expectError(await put(`/run/${runId}?action=pause`), 403, 'ActionNotAllowed', 'revoked by alice');
    expectError(await nodeAction(runId, 'second', 'pause'), 403, 'ActionNotAllowed', 'revoked by alice');
  });

  it('refuses another user’s run, unknown actions and unknown runs', async () => {
    const runId = await submit(alice, chain('guarded', '5'), { fsName: 'work' });
    expectError(await put(`/run/${runId}?action=pause`, undefined, bob), 403, 'AccessDenied');
    expectError(await nodeAction(runId, 'second', 'pause', undefined, bob), 403, 'AccessDenied');
    expectError(await put(`/run/${runId}?action=freeze`), 400, 'InvalidArguments', 'action[freeze]');
    expectError(await nodeAction(runId, 'second', 'freeze'), 400, 'InvalidArguments', 'action[freeze]');
    expectError(await put('/run/run-999999?action=pause'), 404, 'RunNotFound');
    expectOk(await put(`/run/${runId}?action=revoke`));
  });
});

describe('node control', () => {
  it('a step paused before it starts waits, and runs once resumed', async () => {
    const runId = await submit(alice, chain('appointed'), { fsName: 'work' });
    const paused = await nodeAction(runId, 'second', 'pause');
    expectOk(paused);
    expect(paused.json).toMatchObject({ id: 'second', state: 'SUSPENDED', paused: true });
    expectError(await nodeAction(runId, 'second', 'pause'), 403, 'ActionNotAllowed', 'already paused');
    const waiting = await waitForTree(runId, (tree) => nodeStatus(tree, 'second') === 'init');
    expect(waiting.state).toBe('NODE_SUSPENDED');
    expect(waiting.children.second).toMatchObject({ state: 'SUSPENDED', paused: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(nodeStatus((await get(`/run/${runId}/state`)).json, 'second')).toBe('init');

    expectOk(await nodeAction(runId, 'second', 'resume'));
    expect((await waitFor(alice, runId)).status).toBe('succeeded');
    expect(readFileSync(join(dir, 'appointed-third.txt'), 'utf8')).toBe('third\n');
  });

  it('refuses the bamboo traps: pausing a running step, resuming one that is not paused', async () => {
    const runId = await submit(alice, chain('traps', '30'), { fsName: 'work' });
    await waitForTree(runId, (tree) => nodeStatus(tree, 'first') === 'running');
    expectError(
      await nodeAction(runId, 'first', 'pause'),
      403,
      'ActionNotAllowed',
      'only be paused before it starts',
    );
    expectError(await nodeAction(runId, 'second', 'resume'), 403, 'ActionNotAllowed', 'not paused');
    expectError(await nodeAction(runId, 'nothing', 'pause'), 400, 'InvalidArguments', 'no node [nothing]');
    expectError(await get(nodePath(runId, 'nothing')), 404, 'RecordNotFound', 'no node [nothing]');
    expectOk(await put(`/run/${runId}?action=revoke`));
  });

  it('force-fails a running step outside debug mode: its job is stopped and the run fails', async () => {
    const runId = await submit(alice, chain('forced', '30'), { fsName: 'work' });
    await waitForTree(runId, (tree) => nodeStatus(tree, 'first') === 'running');
    const reply = await nodeAction(runId, 'first', 'forceFail', { message: 'hung' });
    expectOk(reply);
    expect(reply.json).toMatchObject({ status: 'failed', ex_data: 'forced to fail by alice: hung' });
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('failed');
    expect(run.runtime.first[0].jobMessage).toBe('forced to fail by alice: hung');
    expectError(await nodeAction(runId, 'first', 'retry'), 403, 'ActionNotAllowed');
  });
});

/** `check` fails unless its parameter `ok` is `yes`; `after` reads what it wrote. */
const checked = (name: string) => `name: ${name}
docker_env: img
entry_points:
  check:
    parameters:
      ok: "no"
    env:
      WHO: nobody
    command: echo "{{ok}} $WHO" > ${name}-check.txt; test "{{ok}}" = yes
  after:
    deps: check
    command: cat ${name}-check.txt > ${name}-after.txt
  other:
    command: echo other > ${name}-other.txt
`;

describe('debug mode', () => {
  it('halts a failed step; a retry with new inputs runs it again and the run goes on', async () => {
    const runId = await submit(alice, checked('debugretry'), { fsName: 'work', debug: true });
    const halted = await waitForTree(
      runId,
      (tree) => nodeStatus(tree, 'check') === 'failed' && nodeStatus(tree, 'other') === 'succeeded',
    );
    expect(halted).toMatchObject({ state: 'FAILED', status: 'running', debug: true });
    expect(halted.children.after).toBeUndefined();
    const failed = (await get(nodePath(runId, 'check'))).json;
    expect(failed).toMatchObject({
      state: 'FAILED',
      retry: 0,
      ex_data: expect.stringContaining('exit code 1'),
    });
    expect(failed.inputs).toMatchObject({ parameters: { ok: 'no' }, env: { WHO: 'nobody' } });

    const retried = await nodeAction(runId, 'check', 'retry', {
      parameters: { ok: 'yes' },
      env: { WHO: 'alice' },
    });
    expectOk(retried);
    expect(retried.json).toMatchObject({ retry: 1, inputs: { parameters: { ok: 'yes' } } });
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'debugretry-after.txt'), 'utf8')).toBe('yes alice\n');

    const history = (await get(`${nodePath(runId, 'check')}/history`)).json;
    expect(history.histories).toHaveLength(1);
    expect(history.histories[0]).toMatchObject({
      attempt: 1,
      status: 'failed',
      inputs: { parameters: { ok: 'no' }, env: { WHO: 'nobody' } },
      ex_data: expect.stringContaining('exit code 1'),
      endedBy: { action: 'retry', user: 'alice' },
    });
    expect(history.current).toMatchObject({
      attempt: 2,
      status: 'succeeded',
      inputs: { parameters: { ok: 'yes' } },
    });
    expect(history.current.jobID).not.toBe(history.histories[0].jobID);
  });

  it('skips a halted step: its downstream runs as if it had succeeded', async () => {
    const runId = await submit(alice, checked('debugskip'), { fsName: 'work', debug: true });
    await waitForTree(runId, (tree) => nodeStatus(tree, 'check') === 'failed');
    expectError(await nodeAction(runId, 'check', 'resume'), 403, 'ActionNotAllowed', 'retry or skip it');
    const skipped = await nodeAction(runId, 'check', 'skip');
    expectOk(skipped);
    expect(skipped.json).toMatchObject({ state: 'FINISHED', skip: true, status: 'skipped' });
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'debugskip-after.txt'), 'utf8')).toBe('no nobody\n');
    const history = (await get(`${nodePath(runId, 'check')}/history`)).json;
    expect(history.histories[0]).toMatchObject({ status: 'failed', endedBy: { action: 'skip' } });
    expect(history.current).toMatchObject({
      status: 'skipped',
      skip: true,
      operator: { action: 'skip', user: 'alice' },
    });
  });

  it('ending debug mode fails the halted step and the run', async () => {
    const runId = await submit(alice, checked('debugend'), { fsName: 'work', debug: true });
    await waitForTree(runId, (tree) => nodeStatus(tree, 'check') === 'failed');
    expectOk(await put(`/run/${runId}?action=endDebug`));
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('failed');
    expect((await get(`/run/${runId}/state`)).json.debug).toBe(false);
    expectError(await put(`/run/${runId}?action=endDebug`), 403, 'ActionNotAllowed');
  });

  it('force-failing a running step halts it; its late end is ignored; a retry runs it again', async () => {
    const yaml = `name: debugforce
docker_env: img
entry_points:
  slow:
    command: if [ -e debugforce-again ]; then echo done > debugforce-slow.txt; else touch debugforce-again; sleep 30; fi
`;
    const runId = await submit(alice, yaml, { fsName: 'work', debug: true });
    await waitForTree(runId, (tree) => nodeStatus(tree, 'slow') === 'running');
    expectOk(await nodeAction(runId, 'slow', 'forceFail'));
    const halted = await waitForTree(runId, (tree) => tree.children.slow.status === 'failed');
    expect(halted.state).toBe('FAILED');
    // The killed job's own end (terminated) reaches the run and is dropped: the step stays halted.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const still = (await get(nodePath(runId, 'slow'))).json;
    expect(still).toMatchObject({ status: 'failed', retry: 0, operator: { action: 'forceFail' } });
    expectOk(await nodeAction(runId, 'slow', 'retry'));
    expect((await waitFor(alice, runId)).status).toBe('succeeded');
    expect(readFileSync(join(dir, 'debugforce-slow.txt'), 'utf8')).toBe('done\n');
  });

  it('refuses inputs a step does not have, and bodies of the wrong shape', async () => {
    const runId = await submit(alice, checked('debugbad'), { fsName: 'work', debug: true });
    await waitForTree(runId, (tree) => nodeStatus(tree, 'check') === 'failed');
    expectError(
      await nodeAction(runId, 'check', 'retry', { parameters: { nope: 1 } }),
      400,
      'InvalidArguments',
      'no parameter [nope]',
    );
    expectError(await nodeAction(runId, 'check', 'retry', { env: { A: 1 } }), 400, 'MalformedJSON', 'env');
    expectError(
      await nodeAction(runId, 'check', 'retry', { parameters: { ok: { deep: true } } }),
      400,
      'InvalidArguments',
      'parameter [ok]',
    );
    expectError(
      await nodeAction(runId, 'check', 'skip', { outputs: { nothing: '/x' } }),
      400,
      'InvalidArguments',
      'no output artifact [nothing]',
    );
    // Nothing changed: the step is still halted at its first attempt.
    expect((await get(nodePath(runId, 'check'))).json).toMatchObject({ status: 'failed', retry: 0 });
    expectOk(await put(`/run/${runId}?action=revoke`));
  });
});

describe('concurrent actions on one run', () => {
  it('two operators retrying the same halted step: one retry happens, the other is refused', async () => {
    const runId = await submit(alice, checked('racing'), { fsName: 'work', debug: true });
    await waitForTree(runId, (tree) => nodeStatus(tree, 'check') === 'failed');
    const replies = await Promise.all(
      Array.from({ length: 4 }, () => nodeAction(runId, 'check', 'retry', { parameters: { ok: 'yes' } })),
    );
    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(1);
    for (const reply of replies.filter((r) => r.status !== 200)) expectError(reply, 403, 'ActionNotAllowed');
    expect((await waitFor(alice, runId)).status).toBe('succeeded');
    const history = (await get(`${nodePath(runId, 'check')}/history`)).json;
    expect(history.histories).toHaveLength(1);
    expect(history.current.attempt).toBe(2);
  });

  it('pausing several steps at once keeps every pause (no lost update)', async () => {
    const yaml = `name: manypauses
docker_env: img
entry_points:
  gate:
    command: sleep 0.3
${['a', 'b', 'c', 'd', 'e'].map((name) => `  ${name}:\n    deps: gate\n    command: echo ${name}\n`).join('')}`;
    const runId = await submit(alice, yaml, { fsName: 'work' });
    const replies = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((key) => nodeAction(runId, key, 'pause')),
    );
    for (const reply of replies) expectOk(reply);
    const tree = await waitForTree(
      runId,
      (t) => nodeStatus(t, 'gate') === 'succeeded' && t.children.e !== undefined,
    );
    expect([...tree.pausedNodes].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const key of ['a', 'b', 'c', 'd', 'e']) expect(tree.children[key].state).toBe('SUSPENDED');
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => nodeAction(runId, key, 'resume')));
    expect((await waitFor(alice, runId)).status).toBe('succeeded');
  });
});
