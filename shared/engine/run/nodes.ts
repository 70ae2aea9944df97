/** Creating nodes and ending them: the two moves every other module makes. */
import type { ComponentSpec, StepSpec } from '../spec/model.ts';
import type { Draft } from './draft.ts';
import { dagId, stepId } from './ids.ts';
import type { NodeState, NodeStatus } from './model.ts';
import { childKey, isRollbackKey, postKey } from './tree.ts';

/** A fresh node of `comp` in DAG instance `parentKey` (`index` for a loop iteration), at attempt 1. */
export function newNode(
  draft: Draft,
  parentKey: string,
  comp: ComponentSpec,
  index: number | undefined,
  fields: Partial<NodeState> = {},
): NodeState {
  const key = childKey(parentKey, comp.name, index);
  const seq = index ?? 0;
  const node: NodeState = {
    key,
    parentKey,
    name: comp.name,
    path: comp.path,
    kind: comp.kind,
    seq,
    status: 'init',
    attempt: 1,
    id: comp.kind === 'step' ? stepId(draft.runId, key, comp.name, seq, 1) : dagId(draft.runId, key, 1),
    parameters: {},
    inputArtifacts: {},
    outputArtifacts: {},
    message: '',
    createTime: draft.now,
  };
  return { ...node, ...fields };
}

/** The post-process step's node: key and path `post:<name>`, outside the entry points' tree. */
export function newPostNode(draft: Draft, step: StepSpec, fields: Partial<NodeState> = {}): NodeState {
  const key = postKey(step.name);
  return newNode(draft, '', step, undefined, {
    key,
    path: key,
    id: stepId(draft.runId, key, step.name, 0, 1),
    ...fields,
  });
}

/**
 * Ends a node. Every final status gets an `endTime` (the view can leave it out where PaddleFlow shows none,
 * but it cannot invent one), and nothing is awaited any more.
 */
export function finish(draft: Draft, node: NodeState, status: NodeStatus, message: string): NodeState {
  return draft.patch(node, { status, message, endTime: draft.now }, ['waitingFor']);
}

/** Asks the adapter for the files a node waits on (its `waitingFor`); the answer is an `artifactsRead`. */
export function requestRead(draft: Draft, node: NodeState) {
  const { paths, limit } = node.waitingFor!;
  draft.emit({ type: 'readArtifacts', key: node.key, paths, limit });
}

/** Whether a failure of this node halts it for an operator: a step of a debug run (not a rollback). */
export const haltsOnFailure = (draft: Draft, node: NodeState) =>
  draft.debug && node.kind === 'step' && !isRollbackKey(node.key);

/** A step that cannot go on: failed, or in debug mode halted until an operator retries or skips it. */
export function failStep(draft: Draft, node: NodeState, message: string): NodeState {
  return finish(draft, node, haltsOnFailure(draft, node) ? 'halted' : 'failed', message);
}
