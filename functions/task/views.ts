/**
 * The deployment orchestrator's task (seed 003) as Floe shows it: a task is one step node of a run. Its
 * rollback node (`rollback:<key>`) is not a task of its own but the task's rollback phase; DAG nodes are not
 * tasks. Statuses speak the seed's `phase.outcome` vocabulary, mapped from the node's (and its rollback's).
 */
import { hasEnded, type NodeState, type RunState } from '../../shared/engine/run/model.ts';
import { compareKeys, isRollbackKey, rollbackKey } from '../../shared/engine/run/tree.ts';
import { localTimeOf } from '../../shared/http/time.ts';
import type { RunRecord } from '../../shared/store/runs.ts';

/** `<runId>.<nodeKey>`: run ids (`run-\d+`) have no `.`, so the first one splits it. */
const taskIdOf = (runId: string, key: string) => `${runId}.${key}`;

/** A task id's run and node key, or undefined when it is not shaped as one. */
export function parseTaskId(taskId: string): { runId: string; key: string } | undefined {
  const dot = taskId.indexOf('.');
  if (dot < 0) return undefined;
  const runId = taskId.slice(0, dot);
  const key = taskId.slice(dot + 1);
  return /^run-\d+$/.test(runId) && key !== '' ? { runId, key } : undefined;
}

/** Whether a node is a task: a step, and not a rollback (which is a phase of the step it rolls back). */
export const isTask = (node: NodeState) => node.kind === 'step' && !isRollbackKey(node.key);

/** The run's tasks, in key order (loop iterations by index). */
export const tasksOf = (state: RunState) =>
  Object.values(state.nodes)
    .filter(isTask)
    .sort((a, b) => compareKeys(a.key, b.key));

/** A failed step has a start time when its job began: a failure before that is one of starting it. */
const failedPhase = (node: NodeState) => (node.startTime ? 'monitor.failed' : 'start.failed');

function rollbackStatus(rollback: NodeState): string {
  switch (rollback.status) {
    case 'succeeded':
      return 'rollback.success';
    case 'failed':
    case 'halted':
    case 'terminated':
    case 'cancelled':
      return 'rollback.failed';
    default:
      return 'rollback.begin';
  }
}

/** A dry run's step: resolved and passed, never executed; the phases it cannot reach map as in a real run. */
function mockStatus(node: NodeState): string | undefined {
  switch (node.status) {
    case 'succeeded':
      return 'mock.passed';
    case 'failed':
    case 'halted':
      return 'mock.failed';
    case 'init':
    case 'pending':
    case 'running':
      return 'mock.begin';
    default:
      return undefined;
  }
}

function realStatus(node: NodeState): string {
  switch (node.status) {
    case 'init':
      return 'produce.success';
    case 'pending':
      return 'start.begin';
    case 'running':
      return 'monitor.begin';
    case 'succeeded':
      return 'monitor.success';
    case 'failed':
    case 'halted':
      return failedPhase(node);
    case 'terminating':
      return 'cancel.begin';
    case 'terminated':
      return 'cancel.success';
    case 'cancelled':
      return 'canceled';
    case 'skipped':
      // Floe's extension: the seed's vocabulary has no plain skip.
      return 'skipped';
  }
}

/** The task status of a step: its rollback's phase once it is being rolled back, else its own. */
export function taskStatus(state: RunState, node: NodeState): string {
  const rollback = state.nodes[rollbackKey(node.key)];
  if (rollback) return rollbackStatus(rollback);
  return (state.context.mock === true ? mockStatus(node) : undefined) ?? realStatus(node);
}

/** Statuses that say something went wrong, so the task carries a reason. */
const troubled = (status: string) =>
  status.endsWith('.failed') || status.startsWith('cancel.') || status === 'canceled';

/** A task's reason: a failed rollback's own message first, else the step's; null when there is none. */
function reasonOf(state: RunState, node: NodeState, status: string): string | null {
  if (!troubled(status)) return null;
  const rollback = state.nodes[rollbackKey(node.key)];
  return (status === 'rollback.failed' ? rollback?.message : undefined) || node.message || null;
}

const localTime = (iso: string | undefined) => localTimeOf(iso) || null;

/** One task, as `GET /task/{taskId}` shows it and `GET /task` lists it. */
export function taskView(run: RunRecord, state: RunState, node: NodeState) {
  const status = taskStatus(state, node);
  const final = hasEnded(node.status);
  return {
    id: node.id,
    processInstanceId: run.id,
    taskId: taskIdOf(run.id, node.key),
    name: node.name,
    namespace: node.parentKey || run.name,
    stone: 'container',
    createTime: localTime(node.createTime),
    endTime: final ? localTime(node.endTime) : null,
    status,
    reason: reasonOf(state, node, status),
    params: JSON.stringify({
      parameters: node.parameters,
      command: node.command ?? '',
      env: node.env ?? {},
      dockerEnv: node.dockerEnv ?? '',
      inputArtifacts: node.inputArtifacts,
      ...(node.loopArgument === undefined ? {} : { loopArgument: node.loopArgument }),
    }),
    outputs: JSON.stringify({
      outputArtifacts: node.outputArtifacts,
      ...(node.outputs ? { result: node.outputs } : {}),
    }),
    progress: null,
  };
}
