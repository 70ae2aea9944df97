/**
 * The run's end (§4.2, PaddleFlow's `updateStatusAccordingComponentStatus`): once the entry points and the
 * post-process step are final, any failed → failed; else any terminated or cancelled → terminated if the run
 * was stopped, failed otherwise; else succeeded. `message` is PaddleFlow's runMsg.
 */
import type { Draft } from './draft.ts';
import { isFinalNode, type NodeStatus, type RunStatus } from './model.ts';
import { finishRollback, startRollback } from './rollback.ts';
import { rollup } from './status.ts';
import { isPostKey, postKey } from './tree.ts';

function keysWith(draft: Draft, statuses: NodeStatus[]) {
  return draft
    .all()
    .filter((node) => statuses.includes(node.status))
    .map((node) => (isPostKey(node.key) ? node.name : node.key))
    .join(',');
}

/**
 * Ends the run when everything has: a run that fails (or was revoked) rolls back its steps first, and ends
 * once they have (rollback.ts). True when it changed the run.
 */
export function finishRun(draft: Draft): boolean {
  if (draft.rollingBack) return finishRollback(draft);
  const terminating = draft.status === 'terminating';
  const entryPoints = rollup(draft, '', terminating);
  if (!entryPoints) return false;
  const posts = Object.keys(draft.spec.postProcess).map((name) => draft.node(postKey(name)));
  if (posts.some((node) => !node || !isFinalNode(node.status))) return false;
  const statuses = [entryPoints.status, ...posts.map((node) => node!.status)];
  let status: RunStatus;
  let message: string;
  if (statuses.includes('failed')) {
    status = 'failed';
    const failed = keysWith(draft, ['failed']) || keysWith(draft, ['terminated']);
    message = `update status to failed because some step or dag run failed: ${failed}`;
  } else if (statuses.includes('terminated') || statuses.includes('cancelled')) {
    status = terminating ? 'terminated' : 'failed';
    message = `update status to ${status} because some step or dag run was terminated or cancelled: ${keysWith(draft, ['terminated', 'cancelled'])}`;
  } else {
    status = 'succeeded';
    message = '';
  }
  const undo = status === 'failed' || (status === 'terminated' && draft.revokedBy !== undefined);
  if (undo && startRollback(draft, { status, message })) return true;
  draft.setRun({ status, message });
  return true;
}
