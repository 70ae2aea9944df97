/**
 * Floe's waiting steps and step policies over HTTP on the local runtime: a callback step that waits for
 * `PUT …?action=callback` (with data), an approval step that only its approvers answer (approve or
 * reject), a wait that times out, callbacks refused after a revoke; and a command step's `retry` policy and
 * `timeout`, with the retries shown on the node.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk } from '../support/api.ts';
import { call, type FloeProcess, type Reply } from '../support/floe-process.ts';
import { runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

let floe: FloeProcess;
let alice: string;
let carol: string;
let dave: string;
let dir: string;
beforeAll(async () => {
  ({
    floe,
    dir,
    tokens: { alice, carol, dave },
  } = await startWithWorkFs(['alice', 'carol', 'dave']));
  return () => stopFloe(floe);
});

const {
  submit,
  waitFor,
  get,
  put,
  nodePath,
  nodeAction: answer,
  waitForNode,
} = runClient(
  () => floe,
  () => alice,
);
const isWaiting = (node: Reply['json']) => node.status === 'running' && node.waitingSince !== undefined;

const callbackPipeline = (name: string) => `name: ${name}
docker_env: img
entry_points:
  hook:
    callback: {message: the deploy system calls back}
  after:
    deps: hook
    command: echo after > ${name}-after.txt
`;

const approvalPipeline = (name: string, timeout = 600) => `name: ${name}
docker_env: img
entry_points:
  signoff:
    approval: {approvers: "carol, dave", message: ship it?}
    timeout: ${timeout}
  ship:
    deps: signoff
    command: echo shipped > ${name}-ship.txt
`;

describe('callback steps', () => {
  it('wait until called back; the data becomes the node’s output and the run goes on; a second answer is refused', async () => {
    const runId = await submit(alice, callbackPipeline('called'), { fsName: 'work' });
    const waiting = await waitForNode(runId, 'hook', isWaiting);
    expect(waiting).toMatchObject({ state: 'RUNNING', inputs: { command: '' } });
    expect(JSON.stringify(waiting)).not.toContain('local-'); // the token is never shown
    const reply = await answer(runId, 'hook', 'callback', {
      data: { build: 42 },
      message: 'build 42 is out',
    });
    expectOk(reply);
    expect(reply.json).toMatchObject({
      runID: runId,
      nodeKey: 'hook',
      status: 'succeeded',
      jobMessage: 'called back by alice: build 42 is out',
      callback: { user: 'alice', decision: 'succeeded', data: { build: 42 } },
    });
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'called-after.txt'), 'utf8')).toBe('after\n');
    const node = (await get(nodePath(runId, 'hook'))).json;
    expect(node).toMatchObject({
      status: 'succeeded',
      jobMessage: 'called back by alice: build 42 is out',
      outputs: { data: { build: 42 } },
      callback: { user: 'alice', decision: 'succeeded' },
    });
    expectError(await answer(runId, 'hook', 'callback'), 403, 'ActionNotAllowed', 'already succeeded');
  });

  it('fail when called back with status failed, and refuse bad bodies and other steps', async () => {
    const runId = await submit(alice, callbackPipeline('callfail'), { fsName: 'work' });
    expectError(await answer(runId, 'after', 'callback'), 400, 'InvalidArguments', 'not a callback');
    await waitForNode(runId, 'hook', isWaiting);
    expectError(await answer(runId, 'hook', 'approve'), 400, 'InvalidArguments', 'action=callback');
    expectError(await answer(runId, 'hook', 'callback', { status: 'maybe' }), 400, 'MalformedJSON', 'status');
    expectError(await answer(runId, 'hook', 'callback', { data: [1, 2] }), 400, 'MalformedJSON', 'data');
    const big = { blob: 'x'.repeat(40_000) };
    expectError(await answer(runId, 'hook', 'callback', { data: big }), 400, 'InvalidArguments', 'larger');
    // Within the data limit, but a failure's whole answer must fit Step Functions' 32,768-character cause.
    const near = { blob: 'x'.repeat(32_000) };
    const tooLong = { status: 'failed', data: near, message: 'x'.repeat(1000) };
    expectError(
      await answer(runId, 'hook', 'callback', tooLong),
      400,
      'InvalidArguments',
      '32768 characters',
    );
    expectError(await answer(runId, 'hook', 'callback', {}, carol), 403, 'AccessDenied');
    expectOk(await answer(runId, 'hook', 'callback', { status: 'failed', message: 'deploy broke' }));
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('failed');
    const node = (await get(nodePath(runId, 'hook'))).json;
    expect(node).toMatchObject({ status: 'failed', ex_data: 'failed by a callback by alice: deploy broke' });
  });

  it('refuse callbacks once the run is revoked', async () => {
    const runId = await submit(alice, callbackPipeline('revokedcb'), { fsName: 'work' });
    await waitForNode(runId, 'hook', isWaiting);
    expectOk(await put(`/run/${runId}?action=revoke`));
    expectError(await answer(runId, 'hook', 'callback'), 403, 'ActionNotAllowed', 'revoked by alice');
    expect((await waitFor(alice, runId)).status).toBe('terminated');
    expectError(await answer(runId, 'hook', 'callback'), 403, 'ActionNotAllowed', 'revoked');
  });
});

describe('approval steps', () => {
  it('are answered by a named approver only, who need not own the run; approval lets the run go on', async () => {
    const runId = await submit(alice, approvalPipeline('approved'), { fsName: 'work' });
    await waitForNode(runId, 'signoff', isWaiting);
    expectError(await answer(runId, 'signoff', 'approve'), 403, 'AccessDenied', 'only [carol, dave]');
    expectError(
      await answer(runId, 'signoff', 'approve', { status: 'failed' }, carol),
      400,
      'InvalidArguments',
    );
    expectOk(await answer(runId, 'signoff', 'approve', { message: 'go' }, carol));
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'approved-ship.txt'), 'utf8')).toBe('shipped\n');
    const node = (await get(nodePath(runId, 'signoff'))).json;
    expect(node).toMatchObject({ jobMessage: 'approved by carol: go', callback: { user: 'carol' } });
  });

  it('fail the step when rejected, and the run with it', async () => {
    const runId = await submit(alice, approvalPipeline('rejected'), { fsName: 'work' });
    await waitForNode(runId, 'signoff', isWaiting);
    expectOk(await answer(runId, 'signoff', 'reject', { message: 'not this week' }, dave));
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('failed');
    const node = (await get(nodePath(runId, 'signoff'))).json;
    expect(node).toMatchObject({ status: 'failed', ex_data: 'rejected by dave: not this week' });
    expect((await get(nodePath(runId, 'ship'))).json.status).toBe('cancelled');
  });

  it('fail the step when nobody answers within its timeout; a late answer is refused', async () => {
    const runId = await submit(alice, approvalPipeline('unanswered', 1), { fsName: 'work' });
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('failed');
    const node = (await get(nodePath(runId, 'signoff'))).json;
    expect(node.ex_data).toBe('timed out after 1 seconds');
    expectError(await answer(runId, 'signoff', 'approve', {}, carol), 403, 'ActionNotAllowed');
  });
});

describe('retry and timeout of command steps', () => {
  it('retries a failing step by its policy until it succeeds, and shows the retries', async () => {
    const runId = await submit(
      alice,
      `name: flaky
docker_env: img
entry_points:
  flaky:
    command: n=$(cat flaky-count 2>/dev/null || echo 0); echo $((n+1)) > flaky-count; [ $n -ge 2 ]
    retry: {max_attempts: 3, interval: 0}
`,
      { fsName: 'work' },
    );
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'flaky-count'), 'utf8')).toBe('3\n');
    const node = (await get(nodePath(runId, 'flaky'))).json;
    expect(node).toMatchObject({ status: 'succeeded', autoRetries: 2, retry: 0 });
  });

  it('fails a step that runs past its timeout, after its retries', async () => {
    const runId = await submit(
      alice,
      `name: slow
docker_env: img
entry_points:
  slow:
    command: echo try >> slow-tries; sleep 30
    timeout: 1
    retry: {max_attempts: 1, interval: 0}
`,
      { fsName: 'work' },
    );
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('failed');
    const node = (await get(nodePath(runId, 'slow'))).json;
    expect(node).toMatchObject({ status: 'failed', autoRetries: 1, ex_data: 'timed out after 1 seconds' });
    expect(readFileSync(join(dir, 'slow-tries'), 'utf8')).toBe('try\ntry\n');
  });

  it('refuses a bad policy at run creation, naming the field', async () => {
    const reply = await call(floe.api, 'POST', '/run', {
      token: alice,
      body: {
        fsName: 'work',
        runYamlRaw: Buffer.from(`name: bad
docker_env: img
entry_points:
  a: {command: echo, retry: {max_attempts: 99}}
`).toString('base64'),
      },
    });
    expectError(reply, 400, 'InvalidPipeline', 'max_attempts');
  });
});
