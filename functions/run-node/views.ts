/**
 * Node-level views (reference/bamboo.md §4 queries; seed 001's get_state, get_inputs, get_outputs,
 * get_activity_histories): a run's state tree, one node's inputs and outputs, a node's attempts. Every node
 * shows both vocabularies: `state` as bamboo names it, `status` as PaddleFlow does.
 */
import {
  type AttemptRecord,
  hasEnded,
  type NodeState,
  type NodeStatus,
  publicStatus,
  type RunState,
  type RunStatus,
} from '../../shared/engine/run/model.ts';
import { localTimeOf } from '../../shared/http/time.ts';
import type { RunRecord } from '../../shared/store/runs.ts';

/** Seconds from start to end (or to now while it runs), 0 before it starts. */
function elapsed(start: string | undefined, end: string | undefined, now: Date): number {
  if (!start) return 0;
  const until = end ? Date.parse(end) : now.getTime();
  return Math.max(0, Math.round((until - Date.parse(start)) / 1000));
}

/** bamboo's node state (§3.1) for a Floe node status. */
function nodeState(node: NodeState, held: boolean): string {
  switch (node.status) {
    case 'init':
      return held ? 'SUSPENDED' : 'READY';
    case 'pending':
    case 'running':
    case 'terminating':
      return 'RUNNING';
    case 'succeeded':
    case 'skipped':
      return 'FINISHED';
    case 'failed':
    case 'halted':
      return 'FAILED';
    case 'terminated':
    case 'cancelled':
      return 'REVOKED';
  }
}

/**
 * bamboo's pipeline state for the run, with BK-SOPS's derived states (§6.1): a running run with a failed
 * node waiting for an operator is FAILED, one with a paused node NODE_SUSPENDED.
 */
function runState(state: RunState): string {
  const derive = () => {
    const nodes = Object.values(state.nodes);
    if (nodes.some((node) => node.status === 'halted')) return 'FAILED';
    if ((state.holds ?? []).some((key) => (state.nodes[key]?.status ?? 'init') === 'init'))
      return 'NODE_SUSPENDED';
    return 'RUNNING';
  };
  const byStatus: Record<RunStatus, () => string> = {
    initiating: () => 'CREATED',
    pending: () => 'CREATED',
    running: derive,
    terminating: () => (state.revokedBy ? 'REVOKED' : 'RUNNING'),
    paused: () => 'SUSPENDED',
    succeeded: () => 'FINISHED',
    skipped: () => 'FINISHED',
    failed: () => 'FAILED',
    terminated: () => 'REVOKED',
  };
  return byStatus[state.status]();
}

interface TreeContext {
  state: RunState;
  children: Map<string, NodeState[]>;
  now: Date;
}

/** bamboo's retry count: the operators' retries, each a new attempt (a policy's are `autoRetries`). */
const retryCount = (node: NodeState) => node.attempt - 1;

/**
 * What Floe's step kinds add: a retry policy's count, a callback step's wait (never its token) and answer,
 * a gateway's route, and the gateway that did not take a skipped component.
 */
function floeFields(node: NodeState) {
  return {
    ...(node.retries === undefined ? {} : { autoRetries: node.retries }),
    ...(node.callback && node.status === 'running' ? { waitingSince: localTimeOf(node.callback.since) } : {}),
    ...(node.callbackResult ? { callback: node.callbackResult } : {}),
    ...(node.route ? { route: node.route } : {}),
    ...(node.untaken ? { untakenBy: node.untaken } : {}),
  };
}

/** One node of the tree: its own fields, and its children's when it is a DAG. */
function nodeView(node: NodeState, context: TreeContext): Record<string, unknown> {
  const held = (context.state.holds ?? []).includes(node.key);
  const final = hasEnded(node.status);
  const children = context.children.get(node.key) ?? [];
  return {
    id: node.key,
    name: node.name,
    kind: node.kind,
    jobID: node.id,
    /** The per-attempt version token: a result or callback of another attempt is dropped. */
    version: node.id,
    state: nodeState(node, held),
    status: publicStatus(node.status),
    loop: node.seq,
    retry: retryCount(node),
    skip: node.status === 'skipped',
    paused: held,
    ...floeFields(node),
    jobMessage: node.message,
    startTime: localTimeOf(node.startTime),
    finishTime: final ? localTimeOf(node.endTime) : '',
    elapsedTime: elapsed(node.startTime, final ? node.endTime : undefined, context.now),
    ...(node.operator ? { operator: node.operator } : {}),
    children: Object.fromEntries(children.map((child) => [child.key, nodeView(child, context)])),
  };
}

function childrenByParent(state: RunState): Map<string, NodeState[]> {
  const children = new Map<string, NodeState[]>();
  for (const node of Object.values(state.nodes)) {
    const list = children.get(node.parentKey) ?? [];
    list.push(node);
    children.set(node.parentKey, list);
  }
  for (const list of children.values()) list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return children;
}

/** The run's state tree (bamboo's get_pipeline_states, nested by DAG). */
export function stateTree(run: RunRecord, state: RunState, now: Date) {
  const context = { state, children: childrenByParent(state), now };
  const final = state.status === 'succeeded' || state.status === 'failed' || state.status === 'terminated';
  return {
    id: run.id,
    name: run.name,
    state: runState(state),
    status: state.status,
    runMsg: state.message,
    debug: state.debug === true,
    pausedNodes: state.holds ?? [],
    revokedBy: state.revokedBy ?? '',
    startTime: localTimeOf(state.activateTime),
    finishTime: final ? localTimeOf(run.updatedAt) : '',
    elapsedTime: elapsed(state.activateTime, final ? run.updatedAt : undefined, now),
    children: Object.fromEntries(
      (context.children.get('') ?? []).map((node) => [node.key, nodeView(node, context)]),
    ),
  };
}

/** What a step was run with: its resolved parameters, artifacts, command and environment. */
const inputsOf = (
  node: Pick<NodeState, 'parameters' | 'inputArtifacts' | 'command' | 'env' | 'loopArgument'>,
) => ({
  parameters: node.parameters,
  inputArtifacts: node.inputArtifacts,
  command: node.command ?? '',
  env: node.env ?? {},
  ...(node.loopArgument === undefined ? {} : { loopArgument: node.loopArgument }),
});

/** What a failed attempt says went wrong (bamboo's `ex_data`), empty otherwise. */
const exData = (status: NodeStatus, message: string) =>
  publicStatus(status) === 'failed' || status === 'terminated' ? message : '';

/** One node: its place in the tree, its inputs and outputs (bamboo's get_state + get_inputs + get_outputs). */
export function nodeDetail(state: RunState, node: NodeState, now: Date) {
  const context = { state, children: childrenByParent(state), now };
  return {
    ...nodeView(node, context),
    inputs: inputsOf(node),
    outputs: outputsOf(node),
    ex_data: exData(node.status, node.message),
  };
}

/** A step's outputs: its artifacts, a callback step's data, and what a lambda or http step returned. */
const outputsOf = (node: Pick<NodeState, 'outputArtifacts' | 'callbackResult' | 'outputs'>) => ({
  outputArtifacts: node.outputArtifacts,
  ...(node.callbackResult?.data ? { data: node.callbackResult.data } : {}),
  ...(node.outputs ? { result: node.outputs } : {}),
});

/** A node the run has not reached yet: READY (or SUSPENDED when paused ahead), nothing run. */
export function unreachedNode(state: RunState, key: string, name: string) {
  const held = (state.holds ?? []).includes(key);
  return {
    id: key,
    name,
    state: held ? 'SUSPENDED' : 'READY',
    status: 'init',
    paused: held,
    retry: 0,
    skip: false,
    inputs: {},
    outputs: {},
    ex_data: '',
  };
}

/** One attempt in a node's history. */
export function attemptView(record: AttemptRecord) {
  return {
    attempt: record.attempt,
    jobID: record.jobId,
    version: record.jobId,
    status: record.status,
    loop: record.seq,
    retry: record.attempt - 1,
    skip: false,
    startTime: localTimeOf(record.startTime),
    finishTime: localTimeOf(record.endTime),
    elapsedTime: elapsed(record.startTime, record.endTime ?? record.endedBy.at, new Date(record.endedBy.at)),
    inputs: inputsOf(record),
    outputs: outputsOf(record),
    ex_data: exData(record.status, record.message),
    ...(record.operator ? { operator: record.operator } : {}),
    endedBy: record.endedBy,
  };
}

/** The current attempt, shaped as the history's entries. */
export function currentAttemptView(node: NodeState, now: Date) {
  const final = hasEnded(node.status);
  return {
    attempt: node.attempt,
    jobID: node.id,
    version: node.id,
    status: publicStatus(node.status),
    loop: node.seq,
    retry: retryCount(node),
    skip: node.status === 'skipped',
    startTime: localTimeOf(node.startTime),
    finishTime: final ? localTimeOf(node.endTime) : '',
    elapsedTime: elapsed(node.startTime, final ? node.endTime : undefined, now),
    inputs: inputsOf(node),
    outputs: outputsOf(node),
    ex_data: exData(node.status, node.message),
    ...(node.operator ? { operator: node.operator } : {}),
  };
}
