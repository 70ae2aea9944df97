/**
 * Everything that follows from the state without a new event, repeated until nothing changes: fail_fast,
 * creating ready components (or cancelling those that never will be), ending DAGs whose children ended,
 * dispatching steps into free parallelism slots, then the post-process step and the run's end. Each round
 * starts again from fail_fast, so nothing is dispatched in the same pass that a failure appeared.
 *
 * A round costs what changed, not the size of the run: components and DAGs are visited only when the agenda
 * has them marked, and slots, waiting steps and fail_fast's triggers are read from the roster.
 */
import type { ComponentSpec, StepSpec } from '../spec/model.ts';
import type { Draft } from './draft.ts';
import { begin, endGroup, expandGroup, isComplete, readingLoop } from './expand.ts';
import { finishRun } from './finish.ts';
import { untakenBy } from './gateway.ts';
import { jobSpecOf, prepareJob } from './job.ts';
import { isFinalNode, isFinalRun, type NodeState } from './model.ts';
import { failStep, finish, newPostNode } from './nodes.ts';
import { ResolveError, resolveParameters } from './resolve.ts';
import { rollbackReady } from './rollback.ts';
import { rollup } from './status.ts';
import { failFastTriggered, instanceStopping, stopEntryPoints } from './stop.ts';
import { childSpecs, gatewayOf, isSuccessful, postKey, siblingsOf, stepSpecOf } from './tree.ts';

const MAX_ROUNDS = 1_000_000;

type DepState = 'satisfied' | 'blocked' | 'waiting';

/** §4.3: a dep is satisfied when all its iterations exist and each succeeded or was skipped. */
function depState(draft: Draft, instanceKey: string, dep: ComponentSpec | undefined): DepState {
  if (!dep) return 'satisfied';
  const group = draft.group(instanceKey, dep.name);
  if (readingLoop(group) || !isComplete(group, dep)) return 'waiting';
  if (group.every((node) => isSuccessful(node.status))) return 'satisfied';
  return group.every((node) => isFinalNode(node.status)) ? 'blocked' : 'waiting';
}

/**
 * A gateway put back to `init` (an operator retried it, or resumed it after pausing it before it started)
 * decides again here rather than in `dispatchReady`, so that it never waits for a parallelism slot. Its
 * component is marked whenever that happens (the node changed, or `resumeNode` marked it).
 */
function beginGateway(draft: Draft, group: NodeState[], comp: ComponentSpec): boolean {
  if (!gatewayOf(comp)) return false;
  const waiting = group.filter(
    (node) => node.status === 'init' && !node.waitingFor && !draft.holds.includes(node.key),
  );
  for (const node of waiting) begin(draft, node, comp);
  return waiting.length > 0;
}

/**
 * Skips a component whose deps are done but that a gateway did not take (gateway.ts); false when it runs.
 * Like cancelling, this is decided by upstream, so it happens while the run is paused too.
 */
function skipUntaken(
  draft: Draft,
  instanceKey: string,
  comp: ComponentSpec,
  siblings: Record<string, ComponentSpec>,
): boolean {
  const untaken = untakenBy(draft, instanceKey, comp, siblings);
  if (!untaken) return false;
  endGroup(draft, instanceKey, comp, 'skipped', untaken.message, { untaken: untaken.gateway });
  return true;
}

/**
 * Creates the components that are ready, and ends those that never will be, in each DAG instance that may
 * still create children (the root, and every running or terminating DAG, in key order). Only components the
 * agenda has marked are visited: the others would do nothing (see agenda.ts).
 */
function expandReady(draft: Draft, failFast: boolean): boolean {
  const { roster } = draft;
  const { agenda } = roster;
  agenda.watchRoot(instanceStopping(draft, '', failFast), siblingsOf(draft.spec.entryPoints).names);
  let changed = false;
  for (const instanceKey of agenda.instances((key) => key === '' || roster.live.has(key))) {
    const stopping = instanceStopping(draft, instanceKey, failFast);
    const children = childSpecs(draft.spec, instanceKey);
    agenda.visitComponents(instanceKey, (name) => {
      const comp = children[name];
      if (!comp) return;
      const group = draft.group(instanceKey, name);
      if (!stopping && beginGateway(draft, group, comp)) {
        changed = true;
        return;
      }
      if (readingLoop(group) || isComplete(group, comp)) return;
      if (stopping) {
        endGroup(draft, instanceKey, comp, 'cancelled', 'receive stop signal, not scheduled');
        changed = true;
        return;
      }
      const deps = comp.deps.map((dep) => depState(draft, instanceKey, children[dep]));
      if (deps.includes('blocked')) {
        // continue (§4.6): the failed child's downstream is cancelled; other branches go on.
        endGroup(
          draft,
          instanceKey,
          comp,
          'cancelled',
          'an upstream component did not succeed, not scheduled',
        );
        changed = true;
      } else if (deps.every((dep) => dep === 'satisfied')) {
        if (skipUntaken(draft, instanceKey, comp, children)) changed = true;
        // A paused run starts nothing: the component is looked at again when the run resumes.
        else if (draft.status !== 'paused') {
          expandGroup(draft, instanceKey, comp);
          changed = true;
        }
      }
    });
  }
  return changed;
}

/** DAGs whose children are all final take their status from them (deepest first). */
function endDags(draft: Draft): boolean {
  let changed = false;
  draft.roster.agenda.visitDags((key) => {
    const dag = draft.node(key);
    if (dag?.kind !== 'dag' || (dag.status !== 'running' && dag.status !== 'terminating')) return;
    const result = rollup(draft, key, dag.status === 'terminating', dag);
    if (!result) return;
    const ended = finish(draft, dag, result.status, result.message);
    if (result.outputArtifacts) draft.patch(ended, { outputArtifacts: result.outputArtifacts });
    changed = true;
  });
  return changed;
}

/**
 * Starts a step that has a free slot: resolves its job (outputs' paths, command, env), makes it `pending` and
 * dispatches it. Returns false when the step did not take the slot (it failed to resolve).
 *
 * This is where the cache check (§4.5) slots in: with the job resolved, a hit ends the node with the cached
 * job's status, outputs and `cacheRunId`/`cacheJobId` instead of dispatching it (and gives the slot back).
 */
function startStep(draft: Draft, node: NodeState): boolean {
  const step = stepSpecOf(draft.spec, node);
  if (step.gateway) {
    // Only as a fallback (`beginGateway` takes a waiting gateway first): it routes, and takes no slot.
    begin(draft, node, step);
    return false;
  }
  let job: ReturnType<typeof prepareJob>;
  try {
    job = prepareJob(draft, node, step);
  } catch (error) {
    if (!(error instanceof ResolveError)) throw error;
    failStep(draft, node, error.message);
    return false;
  }
  if (draft.context.mock) {
    // A dry run: the job is resolved (and shown), never run; the step takes no slot.
    const message = 'dry run: the command was resolved, not run';
    draft.patch(node, {
      ...job,
      status: 'succeeded',
      mocked: true,
      message,
      startTime: draft.now,
      endTime: draft.now,
    });
    return false;
  }
  const pending = draft.patch(node, { ...job, status: 'pending' });
  draft.emit({ type: 'dispatch', job: jobSpecOf(draft, pending) });
  return true;
}

/**
 * The run-wide parallelism semaphore (§4.3): steps with a job (pending, running, terminating) hold a slot;
 * waiting steps take free slots oldest first. A step is gated (disabled, condition) before it waits, so one
 * that is skipped or fails its condition never takes a slot.
 */
function dispatchReady(draft: Draft): boolean {
  const { roster } = draft;
  if (draft.status === 'paused') return false;
  let free = draft.spec.parallelism - roster.activeSteps;
  let changed = false;
  const holds = draft.holds;
  // Steps an operator paused, and rollbacks whose turn has not come, keep their place and let others pass.
  // Each step taken leaves the waiting list (pending, or failed to resolve): the next is at the same index.
  let at = 0;
  while (free > 0 && at < roster.waiting.length) {
    const node = roster.waiting[at]!;
    const waits = (holds.length > 0 && holds.includes(node.key)) || !rollbackReady(draft, node);
    if (waits) {
      at++;
      continue;
    }
    changed = true;
    if (startStep(draft, node)) free--;
    if (roster.waiting[at] === node) throw new Error(`step [${node.key}] is still waiting after its start`);
  }
  return changed;
}

/** The post-process step with its own parameters resolved (it has no upstream to read from). */
function startPostNode(draft: Draft, step: StepSpec) {
  let parameters: NodeState['parameters'];
  try {
    parameters = resolveParameters(draft, step, { parent: undefined, siblings: () => [] });
  } catch (error) {
    if (!(error instanceof ResolveError)) throw error;
    const message = `cannot start step[${step.path}]: ${error.message}`;
    draft.put(newPostNode(draft, step, { status: 'failed', message, endTime: draft.now }));
    return;
  }
  begin(draft, draft.put(newPostNode(draft, step, { parameters })), step);
}

/** Creates the post-process step once the entry points are final: cancelled after a forced stop. */
function startPostProcess(draft: Draft): boolean {
  if (draft.status === 'paused') return false;
  // Checked first: once the entry points are final their rollup reads every node, and each round comes here
  // until the run ends (the post-process step running, the rollbacks).
  const missing = Object.values(draft.spec.postProcess).filter((step) => !draft.node(postKey(step.name)));
  if (missing.length === 0 || !rollup(draft, '', draft.status === 'terminating')) return false;
  for (const step of missing) {
    if (draft.stopForce) {
      const message = 'receive termination signal with stopForce, postProcess not run';
      draft.put(newPostNode(draft, step, { status: 'cancelled', message, endTime: draft.now }));
    } else {
      startPostNode(draft, step);
    }
  }
  return true;
}

export function settle(draft: Draft) {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (draft.status === 'pending' || isFinalRun(draft.status)) return;
    const failFast = failFastTriggered(draft);
    if (failFast && stopEntryPoints(draft, 'stop by failureOptions, some other component has been failed'))
      continue;
    if (expandReady(draft, failFast) || endDags(draft) || dispatchReady(draft) || startPostProcess(draft))
      continue;
    if (finishRun(draft)) continue;
    return;
  }
  throw new Error(`run [${draft.runId}] did not settle`);
}
