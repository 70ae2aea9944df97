/**
 * The task views of seed 003: every row of the node-status → task-status mapping (rollback phase, dry runs,
 * real runs), the task's fields, and task ids.
 */
import { describe, expect, it } from 'vitest';
import { parseTaskId, taskStatus, tasksOf, taskView } from '../../functions/task/views.ts';
import type { NodeState, NodeStatus, RunState } from '../../shared/engine/run/model.ts';
import { formatLocalTime } from '../../shared/http/time.ts';
import type { RunRecord } from '../../shared/store/runs.ts';

const CREATED = '2024-03-01T10:00:00.000Z';
const STARTED = '2024-03-01T10:00:05.000Z';
const ENDED = '2024-03-01T10:01:00.000Z';

function step(key: string, status: NodeStatus, extra: Partial<NodeState> = {}): NodeState {
  return {
    key,
    parentKey: '',
    name: key,
    path: key,
    kind: 'step',
    seq: 0,
    status,
    attempt: 1,
    id: `job-run-000001-${key}-0123abcd`,
    parameters: { ok: 'no' },
    inputArtifacts: { data: '/in/data' },
    outputArtifacts: { model: '/out/model' },
    command: 'train',
    env: { A: '1' },
    dockerEnv: 'img',
    message: '',
    createTime: CREATED,
    ...extra,
  };
}

const stateOf = (nodes: NodeState[], mock = false) =>
  ({
    runId: 'run-000001',
    status: 'running',
    message: '',
    context: { runId: 'run-000001', userName: 'alice', fsIds: {}, ...(mock ? { mock: true } : {}) },
    nodes: Object.fromEntries(nodes.map((node) => [node.key, node])),
  }) as unknown as RunState;

const run = { id: 'run-000001', name: 'deploy' } as RunRecord;

const statusOf = (node: NodeState, mock = false) => taskStatus(stateOf([node], mock), node);

describe('task status', () => {
  it.each<[NodeStatus, Partial<NodeState>, string]>([
    ['init', {}, 'produce.success'],
    ['pending', {}, 'start.begin'],
    ['running', { startTime: STARTED }, 'monitor.begin'],
    ['succeeded', { startTime: STARTED, endTime: ENDED }, 'monitor.success'],
    ['failed', { startTime: STARTED, endTime: ENDED }, 'monitor.failed'],
    ['halted', { startTime: STARTED, endTime: ENDED }, 'monitor.failed'],
    ['failed', { endTime: ENDED }, 'start.failed'],
    ['halted', { endTime: ENDED }, 'start.failed'],
    ['terminating', {}, 'cancel.begin'],
    ['terminated', {}, 'cancel.success'],
    ['cancelled', {}, 'canceled'],
    ['skipped', {}, 'skipped'],
  ])('a real run’s %s step (%o) is %s', (status, extra, expected) => {
    expect(statusOf(step('a', status, extra))).toBe(expected);
  });

  it.each<[NodeStatus, string]>([
    ['init', 'mock.begin'],
    ['pending', 'mock.begin'],
    ['running', 'mock.begin'],
    ['succeeded', 'mock.passed'],
    ['failed', 'mock.failed'],
    ['halted', 'mock.failed'],
    ['skipped', 'skipped'],
    ['terminating', 'cancel.begin'],
    ['terminated', 'cancel.success'],
    ['cancelled', 'canceled'],
  ])('a dry run’s %s step is %s', (status, expected) => {
    expect(statusOf(step('a', status, { startTime: STARTED }), true)).toBe(expected);
  });

  it.each<[NodeStatus, string]>([
    ['init', 'rollback.begin'],
    ['pending', 'rollback.begin'],
    ['running', 'rollback.begin'],
    ['terminating', 'rollback.begin'],
    ['succeeded', 'rollback.success'],
    ['failed', 'rollback.failed'],
    ['halted', 'rollback.failed'],
    ['terminated', 'rollback.failed'],
    ['cancelled', 'rollback.failed'],
  ])('a step whose rollback is %s is %s, in a real run or a dry one', (status, expected) => {
    const node = step('a', 'succeeded', { startTime: STARTED, endTime: ENDED });
    const rollback = step('rollback:a', status);
    expect(taskStatus(stateOf([node, rollback]), node)).toBe(expected);
    expect(taskStatus(stateOf([node, rollback], true), node)).toBe(expected);
  });
});

describe('task view', () => {
  it('shows a succeeded step with its times, params and outputs as JSON strings, and no reason', () => {
    const node = step('a', 'succeeded', { startTime: STARTED, endTime: ENDED, message: 'fine' });
    expect(taskView(run, stateOf([node]), node)).toEqual({
      id: node.id,
      processInstanceId: 'run-000001',
      taskId: 'run-000001.a',
      name: 'a',
      namespace: 'deploy',
      stone: 'container',
      createTime: formatLocalTime(new Date(CREATED)),
      endTime: formatLocalTime(new Date(ENDED)),
      status: 'monitor.success',
      reason: null,
      params: JSON.stringify({
        parameters: { ok: 'no' },
        command: 'train',
        env: { A: '1' },
        dockerEnv: 'img',
        inputArtifacts: { data: '/in/data' },
      }),
      outputs: JSON.stringify({ outputArtifacts: { model: '/out/model' } }),
      progress: null,
    });
  });

  it('gives a failed or cancelled task its message as the reason, and a halted one its end time', () => {
    const halted = step('a', 'halted', { startTime: STARTED, endTime: ENDED, message: 'exit code 1' });
    expect(taskView(run, stateOf([halted]), halted)).toMatchObject({
      status: 'monitor.failed',
      reason: 'exit code 1',
      endTime: formatLocalTime(new Date(ENDED)),
    });
    const stopping = step('b', 'terminating', { startTime: STARTED, message: 'stopped by alice' });
    expect(taskView(run, stateOf([stopping]), stopping)).toMatchObject({
      status: 'cancel.begin',
      reason: 'stopped by alice',
      endTime: null,
    });
    const silent = step('c', 'failed', { endTime: ENDED });
    expect(taskView(run, stateOf([silent]), silent).reason).toBeNull();
  });

  it('gives a failed rollback its own message as the reason', () => {
    const node = step('a', 'succeeded', { startTime: STARTED, endTime: ENDED, message: 'ok' });
    const rollback = step('rollback:a', 'failed', { message: 'rollback exit code 2' });
    expect(taskView(run, stateOf([node, rollback]), node)).toMatchObject({
      status: 'rollback.failed',
      reason: 'rollback exit code 2',
    });
  });

  it('shows a DAG child in its DAG’s namespace, a loop iteration with its argument, no end while running', () => {
    const node = step('dag1[1].train', 'running', {
      parentKey: 'dag1[1]',
      name: 'train',
      seq: 1,
      loopArgument: 'b',
      startTime: STARTED,
      endTime: ENDED,
    });
    const view = taskView(run, stateOf([node]), node);
    expect(view).toMatchObject({
      taskId: 'run-000001.dag1[1].train',
      namespace: 'dag1[1]',
      name: 'train',
      endTime: null,
      reason: null,
    });
    expect(JSON.parse(view.params).loopArgument).toBe('b');
  });
});

describe('tasks of a run', () => {
  it('are its steps in key order: not its DAGs, not its rollbacks', () => {
    const dag = { ...step('dag1', 'running'), kind: 'dag' as const };
    const nodes = [
      step('b[10]', 'init'),
      step('b[2]', 'init'),
      step('rollback:a', 'running'),
      dag,
      step('a', 'succeeded'),
      step('post:clean', 'init'),
    ];
    expect(tasksOf(stateOf(nodes)).map((node) => node.key)).toEqual(['a', 'b[2]', 'b[10]', 'post:clean']);
  });
});

describe('task ids', () => {
  it('split at the first dot into a run id and a node key', () => {
    expect(parseTaskId('run-000001.dag1[0].train')).toEqual({ runId: 'run-000001', key: 'dag1[0].train' });
    expect(parseTaskId('run-000001.post:clean')).toEqual({ runId: 'run-000001', key: 'post:clean' });
    expect(parseTaskId('run-000001')).toBeUndefined();
    expect(parseTaskId('run-000001.')).toBeUndefined();
    expect(parseTaskId('job-1.a')).toBeUndefined();
  });
});
