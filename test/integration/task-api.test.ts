/**
 * The deployment orchestrator's task API (seed 003) over HTTP on the local runtime: a run's steps listed and
 * shown as tasks, a failed task of a debug run re-run (`reRun`) or given up (`resume`), and the refusals.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk } from '../support/api.ts';
import type { FloeProcess, Reply } from '../support/floe-process.ts';
import { TIME } from '../support/pipelines.ts';
import { runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

let floe: FloeProcess;
let alice: string;
let bob: string;
beforeAll(async () => {
  ({
    floe,
    tokens: { alice, bobby: bob },
  } = await startWithWorkFs(['alice', 'bobby']));
  return () => stopFloe(floe);
});

const { submit, waitFor, get, put, pollUntil } = runClient(
  () => floe,
  () => alice,
);
const taskPath = (taskId: string) => `/task/${encodeURIComponent(taskId)}`;
const operate = (taskId: string, op: string, token?: string) =>
  put(`${taskPath(taskId)}/${op}`, undefined, token);
/** Polls one task until its status is `status` (a step the run has not reached yet is no task yet). */
const waitForTask = (taskId: string, status: string) =>
  pollUntil(taskPath(taskId), (task) => task.status === status, { absentIsNotYet: true });

/** A step, a DAG with a child, and a loop of two: every kind of task. */
const kinds = `name: taskkinds
docker_env: img
entry_points:
  first:
    parameters:
      greeting: hi
    command: echo {{greeting}} > {{out}}
    artifacts:
      output: [out]
  box:
    deps: first
    entry_points:
      inner:
        command: echo inner
  each:
    deps: first
    loop_argument: [a, b]
    command: echo $PF_LOOP_ARGUMENT
`;

/** `check` fails unless its parameter `ok` is `yes`. */
const checked = (name: string) => `name: ${name}
docker_env: img
entry_points:
  check:
    parameters:
      ok: "no"
    command: test "{{ok}}" = yes
`;

describe('listing and showing tasks', () => {
  it('lists a succeeded run’s steps as tasks, each found again by its taskId', async () => {
    const runId = await submit(alice, kinds, { fsName: 'work' });
    expect((await waitFor(alice, runId)).status).toBe('succeeded');
    const list = await get(`/task?processInstanceId=${runId}`);
    expectOk(list);
    const tasks = list.json as Reply['json'][];
    expect(tasks.map((task) => task.taskId)).toEqual(
      ['box.inner', 'each[0]', 'each[1]', 'first'].map((key) => `${runId}.${key}`),
    );
    for (const task of tasks) {
      expect(task).toMatchObject({
        processInstanceId: runId,
        stone: 'container',
        status: 'monitor.success',
        reason: null,
        progress: null,
        createTime: expect.stringMatching(TIME),
        endTime: expect.stringMatching(TIME),
      });
      expect(task.id).toMatch(/^job-/);
      expect(typeof JSON.parse(task.params)).toBe('object');
      expect(typeof JSON.parse(task.outputs)).toBe('object');
      const shown = await get(taskPath(task.taskId));
      expectOk(shown);
      expect(shown.json).toEqual(task);
    }
    const [inner, each0, , first] = tasks;
    expect(inner).toMatchObject({ name: 'inner', namespace: 'box' });
    expect(first).toMatchObject({ name: 'first', namespace: 'taskkinds' });
    expect(JSON.parse(first.params)).toMatchObject({ parameters: { greeting: 'hi' }, dockerEnv: 'img' });
    expect(JSON.parse(first.outputs).outputArtifacts.out).toBeTruthy();
    expect(JSON.parse(each0.params).loopArgument).toBe('a');
  });
});

describe('debugging a failed task', () => {
  it('shows a failed step of a debug run with its reason; reRun runs it again and the run succeeds', async () => {
    const yaml = `name: taskrerun
docker_env: img
entry_points:
  flaky:
    command: if [ -e taskrerun-flag ]; then true; else touch taskrerun-flag; exit 1; fi
`;
    const runId = await submit(alice, yaml, { fsName: 'work', debug: true });
    const taskId = `${runId}.flaky`;
    const failed = await waitForTask(taskId, 'monitor.failed');
    expect(failed.reason).toContain('exit code 1');
    expect(failed.endTime).toMatch(TIME);

    const rerun = await operate(taskId, 'reRun');
    expectOk(rerun);
    // A new attempt, queued or already dispatched in the state the action leads to.
    expect(rerun.json).toMatchObject({
      taskId,
      status: expect.stringMatching(/^(produce\.success|start\.begin)$/),
      reason: null,
      endTime: null,
    });
    expect(rerun.json.id).not.toBe(failed.id);
    expect((await waitFor(alice, runId)).status).toBe('succeeded');
    expect((await get(taskPath(taskId))).json).toMatchObject({ status: 'monitor.success', reason: null });
    expectError(await operate(taskId, 'reRun'), 403, 'ActionNotAllowed');
    expectError(await operate(taskId, 'resume'), 403, 'ActionNotAllowed', 'monitor.success');
  });

  it('resume ends debug mode: the failed task stays failed and the run fails', async () => {
    const runId = await submit(alice, checked('taskresume'), { fsName: 'work', debug: true });
    const taskId = `${runId}.check`;
    await waitForTask(taskId, 'monitor.failed');
    const resumed = await operate(taskId, 'resume');
    expectOk(resumed);
    expect(resumed.json).toMatchObject({ taskId, status: 'monitor.failed' });
    expect((await waitFor(alice, runId)).status).toBe('failed');
    expect((await get(`/run/${runId}/state`)).json.debug).toBe(false);
    expect((await get(taskPath(taskId))).json).toMatchObject({
      status: 'monitor.failed',
      reason: expect.stringContaining('exit code 1'),
    });
  });
});

describe('refusals', () => {
  it('needs a processInstanceId, a known task and operate; refuses another user’s run', async () => {
    const runId = await submit(alice, checked('taskguard'), { fsName: 'work', debug: true });
    const taskId = `${runId}.check`;
    await waitForTask(taskId, 'monitor.failed');
    expectError(await get('/task'), 400, 'RequiredFieldEmpty', 'processInstanceId');
    expectError(await get('/task?processInstanceId=run-999999'), 404, 'RunNotFound');
    expectError(await get(taskPath(`${runId}.nothing`)), 404, 'RecordNotFound', `${runId}.nothing`);
    expectError(await get(taskPath('nonsense')), 404, 'RecordNotFound', 'nonsense');
    expectError(await operate(`${runId}.nothing`, 'reRun'), 404, 'RecordNotFound', `${runId}.nothing`);
    expectError(await operate(taskId, 'restart'), 400, 'InvalidArguments', 'operate[restart]');
    expectError(await get(`/task?processInstanceId=${runId}`, bob), 403, 'AccessDenied');
    expectError(await get(taskPath(taskId), bob), 403, 'AccessDenied');
    expectError(await operate(taskId, 'reRun', bob), 403, 'AccessDenied');
    // Nothing moved: the task is still failed, and still the owner's to debug.
    expect((await get(taskPath(taskId))).json.status).toBe('monitor.failed');
    expectOk(await put(`/run/${runId}?action=revoke`));
  });
});
