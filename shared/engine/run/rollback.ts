/**
 * Rollback (seed 003): when a run fails (outside debug mode) or is revoked, the `rollback` commands of its
 * succeeded steps run before the run takes its final status, each as a node `rollback:<step key>` of its own.
 * They run in reverse dependency order: a step's rollback starts once the rollbacks of every rolled-back
 * step that depends on it (directly or not, across DAGs; the post-process step depends on them all) have
 * ended. Independent ones run side by side, within the run's parallelism.
 *
 * Meanwhile the run is `terminating` and remembers the status it ends with (`rollingBack`); a failed rollback
 * is named in the final message. A forced stop cancels the rollbacks not started and kills the running ones.
 */
import type { Draft } from './draft.ts';
import { stepId } from './ids.ts';
import { isFinalNode, type NodeState, type RunStatus } from './model.ts';
import { compareKeys, downstreamLookup, isPostKey, isRollbackKey, rollbackKey, specOf } from './tree.ts';

const LOOP_INDEX = /\[\d+\]$/;
const componentName = (segment: string) => segment.replace(LOOP_INDEX, '');

type Downstream = ReturnType<typeof downstreamLookup>;

/** Whether step `later` depends on step `earlier`, directly or not (both are step keys). */
function dependsOn(downstreamOf: Downstream, later: string, earlier: string): boolean {
  if (isPostKey(later)) return !isPostKey(earlier);
  if (isPostKey(earlier)) return false;
  const a = earlier.split('.');
  const b = later.split('.');
  let level = 0;
  while (level < a.length && level < b.length && a[level] === b[level]) level++;
  if (level === a.length || level === b.length) return false;
  const [from, to] = [componentName(a[level]!), componentName(b[level]!)];
  // Two iterations of one component do not depend on each other.
  if (from === to) return false;
  return downstreamOf(a.slice(0, level).join('.'), from).has(to);
}

/** The steps a rollback undoes: succeeded in this run (not kept from an earlier one, not a dry run's). */
function rolledBackSteps(draft: Draft): NodeState[] {
  return draft
    .all()
    .filter(
      (node) =>
        node.kind === 'step' &&
        node.status === 'succeeded' &&
        !node.inherited &&
        !node.mocked &&
        !node.cacheRunId &&
        !isRollbackKey(node.key) &&
        hasRollback(draft, node),
    );
}

function hasRollback(draft: Draft, node: NodeState): boolean {
  const spec = specOf(draft.spec, node);
  return spec?.kind === 'step' && spec.rollback !== undefined;
}

/**
 * Begins the rollback of a run about to end with `status` (failed, or terminated by a revoke). False when
 * there is nothing to roll back: the run simply ends.
 */
export function startRollback(draft: Draft, outcome: { status: RunStatus; message: string }): boolean {
  const steps = rolledBackSteps(draft);
  if (steps.length === 0) return false;
  draft.setRun({
    status: 'terminating',
    message: `rolling back ${steps.map((step) => step.key).join(',')}: ${outcome.message}`,
    rollingBack: outcome,
  });
  const downstreamOf = downstreamLookup(draft.spec);
  for (const step of steps) {
    const key = rollbackKey(step.key);
    const after = steps
      .filter((other) => other !== step && dependsOn(downstreamOf, other.key, step.key))
      .map((other) => rollbackKey(other.key))
      .sort(compareKeys);
    draft.put({
      key,
      parentKey: '',
      name: step.name,
      path: rollbackKey(step.path),
      kind: 'step',
      seq: step.seq,
      status: 'init',
      attempt: 1,
      id: stepId(draft.runId, key, step.name, step.seq, 1),
      parameters: step.parameters,
      // What the step wrote is what its rollback undoes: its outputs are the rollback's inputs.
      inputArtifacts: { ...step.inputArtifacts, ...step.outputArtifacts },
      outputArtifacts: {},
      message: '',
      createTime: draft.now,
      ...(step.loopArgument === undefined ? {} : { loopArgument: step.loopArgument }),
      ...(step.overrides ? { overrides: step.overrides } : {}),
      ...(after.length > 0 ? { rollbackAfter: after } : {}),
    });
  }
  return true;
}

/** Whether a waiting rollback node may start: the rollbacks it comes after have ended. */
export const rollbackReady = (draft: Draft, node: NodeState) =>
  node.rollbackAfter === undefined ||
  node.rollbackAfter.every((key) => {
    const status = draft.node(key)?.status;
    return status !== undefined && isFinalNode(status);
  });

/** Ends a rolling-back run once every rollback has ended; true when it did. */
export function finishRollback(draft: Draft): boolean {
  const outcome = draft.rollingBack;
  if (!outcome) return false;
  for (const key of draft.roster.unfinished) if (isRollbackKey(key)) return false;
  const failed = draft
    .all()
    .filter((node) => isRollbackKey(node.key) && node.status !== 'succeeded')
    .map((node) => node.key);
  const message =
    failed.length > 0 ? `${outcome.message}; rollback failed: ${failed.join(',')}` : outcome.message;
  draft.setRun({ status: outcome.status, message, rollingBack: undefined });
  return true;
}
