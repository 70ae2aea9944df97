/**
 * Stopping (§4.6 fail_fast, §4.7 stop). Both stop the whole entry-point tree: PaddleFlow's fail_fast cancels
 * the failed child's siblings and then propagates to every parent DAG up to the root, which does the same, so
 * in the end everything of the entry points stops. A step with a job (pending or running) is killed and
 * becomes `terminating` until its execution reports `terminated`; a node that has not started (waiting for a
 * slot or a read) is `cancelled`; a running DAG becomes `terminating` and ends once its children have, and
 * its components not yet created are cancelled as the settle loop meets them.
 */
import type { Draft } from './draft.ts';
import type { NodeState } from './model.ts';
import { isFinalNode } from './model.ts';
import { finish } from './nodes.ts';
import { compareKeys, inTree, isRollbackKey, postKey } from './tree.ts';

function stopNode(draft: Draft, node: NodeState, reason: string): boolean {
  if (isFinalNode(node.status) || node.status === 'terminating') return false;
  if (node.status === 'init') {
    finish(draft, node, 'cancelled', reason);
    return true;
  }
  // A halted step failed already: stopping ends its wait for an operator.
  if (node.status === 'halted') {
    draft.patch(node, { status: 'failed' });
    return true;
  }
  draft.patch(node, { status: 'terminating', message: reason });
  if (node.kind === 'step') draft.emit({ type: 'kill', key: node.key, attempt: node.attempt });
  return true;
}

/** Stops every unfinished node of the entry points, in key order; true when something changed. */
export function stopEntryPoints(draft: Draft, reason: string): boolean {
  let changed = false;
  const keys = [...draft.roster.unfinished].filter(inTree).sort(compareKeys);
  for (const key of keys) if (stopNode(draft, draft.node(key)!, reason)) changed = true;
  return changed;
}

/**
 * A forced stop also stops the post-process step (one not created yet is cancelled when its time comes) and
 * any rollback under way.
 */
function stopAfterEntryPoints(draft: Draft) {
  for (const name of Object.keys(draft.spec.postProcess)) {
    const node = draft.node(postKey(name));
    if (node) stopNode(draft, node, 'receive stop signal with stopForce, stop postProcess');
  }
  const rollbacks = [...draft.roster.unfinished].filter(isRollbackKey).sort(compareKeys);
  for (const key of rollbacks)
    stopNode(draft, draft.node(key)!, 'receive stop signal with stopForce, stop rollback');
}

/** `PUT ?action=stop`. A stop of a final run, or a second stop without force, changes nothing. */
export function stopRun(draft: Draft, force: boolean) {
  if (draft.status === 'terminating') {
    if (!force || draft.stopForce) return;
    draft.setRun({ stopForce: true });
    stopAfterEntryPoints(draft);
    return;
  }
  if (draft.status !== 'pending' && draft.status !== 'running' && draft.status !== 'paused') return;
  draft.setRun({
    status: 'terminating',
    message: 'receive termination signal, update status to terminating',
    ...(force ? { stopForce: true } : {}),
  });
  stopEntryPoints(draft, 'receive stop signal');
  if (force) stopAfterEntryPoints(draft);
}

/**
 * fail_fast's trigger (PaddleFlow's `processEventFromSubComponent`): a node of the entry points failed, or was
 * terminated while its DAG was not terminating (nobody asked: an executor timeout, say).
 */
export function failFastTriggered(draft: Draft): boolean {
  if (draft.spec.failureStrategy !== 'fail_fast') return false;
  const { roster } = draft;
  if (roster.failed > 0) return true;
  for (const key of roster.terminated) if (!parentStopping(draft, draft.node(key)!)) return true;
  return false;
}

function parentStopping(draft: Draft, node: NodeState): boolean {
  if (node.parentKey === '') return draft.status === 'terminating';
  const status = draft.node(node.parentKey)?.status;
  return status === 'terminating' || status === 'terminated';
}

/** Whether a DAG instance creates no more children: it is being stopped (the root: the run, or fail_fast). */
export function instanceStopping(draft: Draft, instanceKey: string, failFast: boolean): boolean {
  if (instanceKey !== '') return draft.node(instanceKey)?.status === 'terminating';
  return draft.status === 'terminating' || failFast;
}
