/**
 * Operators' actions (reference/bamboo.md §4, seed 001's task service, seed 003's debug mode): pause, resume
 * and revoke a run; pause a step before it starts and resume it; retry, skip or force-fail a step; end debug
 * mode. Each checks its preconditions against the state it applies to and either changes the state or is
 * refused with the reason, changing nothing. The API runs the same check against the stored state (with the
 * requests still queued applied first), so a refusal here means the run moved on in between.
 *
 * Where bamboo leaves a trap, Floe refuses: pausing a running node (bamboo strands it) and resuming a failed
 * one (bamboo marks it ready and nothing runs it). Unlike bamboo, revoke stops the running steps too.
 *
 * A halted gateway is retried (it decides again, with any new parameters) or skipped with the flows to take,
 * as bamboo's skip_exg (exactly one) and skip_cpg (one or more) do.
 */
import type { StepSpec } from '../spec/model.ts';
import { Draft } from './draft.ts';
import { stepId } from './ids.ts';
import {
  type AttemptRecord,
  type ControlEvent,
  type ControlOperation,
  isFinalNode,
  isFinalRun,
  type NodeState,
  publicStatus,
  type Refusal,
  type RunState,
} from './model.ts';
import { haltsOnFailure } from './nodes.ts';
import { stopRun } from './stop.ts';
import { componentOfKey, stepSpecOf, targetsOf } from './tree.ts';

/** Why an operation cannot be done: the run or node is in the wrong state, or the request is wrong. */
class ControlRefusal extends Error {
  constructor(
    readonly kind: Refusal['kind'],
    message: string,
  ) {
    super(message);
  }
}

const refuse = (message: string): never => {
  throw new ControlRefusal('state', message);
};
const invalid = (message: string): never => {
  throw new ControlRefusal('input', message);
};

/** Every operation needs a run that is still going and was not revoked. */
function checkRunOpen(draft: Draft) {
  if (draft.revokedBy !== undefined) refuse(`run[${draft.runId}] was revoked by ${draft.revokedBy}`);
  if (isFinalRun(draft.status)) refuse(`run[${draft.runId}] is already ${draft.status}`);
}

function pause(draft: Draft, user: string) {
  if (draft.status === 'paused') refuse(`run[${draft.runId}] is already paused`);
  if (draft.status !== 'running' && draft.status !== 'pending')
    refuse(`run[${draft.runId}] is ${draft.status}: only a pending or running run can be paused`);
  draft.setRun({ status: 'paused', message: `paused by ${user}` });
}

function resume(draft: Draft) {
  if (draft.status !== 'paused')
    refuse(`run[${draft.runId}] is ${draft.status}: only a paused run can be resumed`);
  draft.setRun({ status: 'running', message: '', activateTime: draft.activateTime ?? draft.now });
  // Components that became ready while the run was paused were passed over: look at everything again.
  draft.roster.markEverything();
}

function revoke(draft: Draft, user: string) {
  draft.setRun({ revokedBy: user });
  stopRun(draft, true);
  draft.setRun({ message: `revoked by ${user}` });
}

function endDebug(draft: Draft) {
  if (!draft.debug) refuse(`run[${draft.runId}] is not in debug mode`);
  draft.setRun({ debug: undefined });
  for (const key of [...draft.roster.unfinished]) {
    const node = draft.node(key)!;
    if (node.status === 'halted') draft.patch(node, { status: 'failed' });
  }
}

/** The step a node operation names (refused unless a step could have that key), if it exists yet. */
function stepNode(draft: Draft, key: string): NodeState | undefined {
  const comp = componentOfKey(draft.spec, key);
  if (!comp) invalid(`run[${draft.runId}] has no node [${key}]`);
  if (comp!.kind !== 'step') refuse(`node [${key}] is a dag: operate on the run, or on the dag's steps`);
  return draft.node(key);
}

/** A step that exists and halted: what retry and skip need. */
function haltedStep(draft: Draft, key: string, action: string): NodeState {
  const node = stepNode(draft, key);
  if (!node) return refuse(`node [${key}] has not started: only a failed node can be ${action}`);
  if (node.status === 'failed' && !draft.debug)
    refuse(
      `node [${key}] failed in a run not in debug mode, which ends its branch: retry the run instead, or create it with debug on`,
    );
  if (node.status !== 'halted')
    refuse(`node [${key}] is ${publicStatus(node.status)}: only a failed node can be ${action}`);
  return node;
}

function pauseNode(draft: Draft, key: string) {
  const node = stepNode(draft, key);
  if (draft.holds.includes(key)) refuse(`node [${key}] is already paused`);
  if (node && node.status !== 'init') {
    if (isFinalNode(node.status) || node.status === 'halted')
      refuse(`node [${key}] is already ${publicStatus(node.status)}`);
    refuse(
      `node [${key}] is ${node.status}: a node can only be paused before it starts (pause the run, or force-fail the node)`,
    );
  }
  draft.setRun({ holds: [...draft.holds, key] });
}

function resumeNode(draft: Draft, key: string) {
  const node = stepNode(draft, key);
  if (!draft.holds.includes(key)) {
    if (node?.status === 'halted')
      refuse(`node [${key}] failed: retry or skip it; resume only lets a paused node start`);
    refuse(`node [${key}] is not paused`);
  }
  const holds = draft.holds.filter((held) => held !== key);
  draft.setRun({ holds: holds.length > 0 ? holds : undefined });
  // A gateway waiting on its hold decides when its component is next visited (settle.ts); mark it.
  if (node) draft.roster.agenda.mark(node.parentKey, node.name);
}

/** What a node's ended attempt leaves in its history. */
function attemptRecord(node: NodeState, endedBy: AttemptRecord['endedBy']): AttemptRecord {
  return {
    key: node.key,
    attempt: node.attempt,
    jobId: node.id,
    status: publicStatus(node.status),
    message: node.message,
    parameters: node.parameters,
    inputArtifacts: node.inputArtifacts,
    outputArtifacts: node.outputArtifacts,
    seq: node.seq,
    endedBy,
    ...defined({
      command: node.command,
      env: node.env,
      loopArgument: node.loopArgument,
      startTime: node.startTime,
      endTime: node.endTime,
      operator: node.operator,
      outputs: node.outputs,
    }),
  };
}

/** Later values over earlier ones; undefined when neither has any. */
function mergedOrNone<T>(earlier?: Record<string, T>, later?: Record<string, T>) {
  const merged = { ...earlier, ...later };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

const defined = <T extends object>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;

function retryNode(draft: Draft, event: ControlEvent, op: Extract<ControlOperation, { op: 'retryNode' }>) {
  const node = haltedStep(draft, op.key, 'retried');
  const step = stepSpecOf(draft.spec, node);
  for (const name of Object.keys(op.parameters ?? {}))
    if (!Object.hasOwn(step.parameters, name))
      invalid(`node [${op.key}] has no parameter [${name}]: retry can only change its own parameters`);
  const by = { action: 'retry', user: event.user, at: event.at };
  draft.emit({ type: 'recordAttempt', record: attemptRecord(node, by) });
  const attempt = node.attempt + 1;
  const parameters = { ...node.parameters, ...op.parameters };
  const overrides = defined({
    parameters: mergedOrNone(node.overrides?.parameters, op.parameters),
    env: mergedOrNone(node.overrides?.env, op.env),
  });
  draft.patch(
    node,
    {
      status: 'init',
      attempt,
      id: stepId(draft.runId, node.key, node.name, node.seq, attempt),
      parameters,
      overrides: Object.keys(overrides).length > 0 ? overrides : undefined,
      message: '',
      createTime: draft.now,
    },
    [
      'startTime',
      'endTime',
      'command',
      'env',
      'fingerprint',
      'cacheRunId',
      'cacheJobId',
      'operator',
      'route',
      'retries',
      'callback',
      'callbackResult',
      'http',
      'outputs',
      'taskArn',
    ],
  );
}

/**
 * The flows a skip takes: none for a step (refused if given), and for a gateway the `flows` given, each a
 * branch target or its default: exactly one for an exclusive gateway, one or more for a parallel one.
 */
function skipRoute(key: string, step: StepSpec, op: Extract<ControlOperation, { op: 'skipNode' }>) {
  const { gateway } = step;
  if (!gateway) {
    if (op.flows !== undefined) invalid(`node [${key}] is not a gateway: it has no flows to take`);
    return undefined;
  }
  if (op.outputs !== undefined)
    invalid(`node [${key}] is a gateway: it has no outputs; name the flows to take instead`);
  const targets = targetsOf(gateway);
  const flows = [...new Set(op.flows ?? [])];
  const wanted = gateway.type === 'exclusive' ? 'exactly one flow' : 'one or more flows';
  if (flows.length === 0 || (gateway.type === 'exclusive' && flows.length > 1))
    invalid(
      `skipping ${gateway.type} gateway [${key}] takes ${wanted}, not ${flows.length}: choose among [${targets.join(', ')}]`,
    );
  const unknown = flows.find((flow) => !targets.includes(flow));
  if (unknown !== undefined)
    invalid(`[${unknown}] is not a flow of gateway [${key}]: its flows are [${targets.join(', ')}]`);
  return flows;
}

function skipNode(draft: Draft, event: ControlEvent, op: Extract<ControlOperation, { op: 'skipNode' }>) {
  // Flows are checked against the spec first: ones the step cannot take are wrong whatever its state.
  const comp = componentOfKey(draft.spec, op.key);
  const route = comp?.kind === 'step' ? skipRoute(op.key, comp, op) : undefined;
  const node = haltedStep(draft, op.key, 'skipped');
  const step = stepSpecOf(draft.spec, node);
  for (const name of Object.keys(op.outputs ?? {}))
    if (!step.outputArtifacts.includes(name)) invalid(`node [${op.key}] has no output artifact [${name}]`);
  const by = { action: 'skip', user: event.user, at: event.at };
  draft.emit({ type: 'recordAttempt', record: attemptRecord(node, by) });
  const took = route ? `; took [${route.join(', ')}]` : '';
  draft.patch(node, {
    status: 'skipped',
    message: `skipped by ${event.user} after it failed: ${node.message}${took}`,
    outputArtifacts: op.outputs ?? {},
    endTime: draft.now,
    operator: by,
    route,
  });
}

function forceFail(draft: Draft, event: ControlEvent, op: Extract<ControlOperation, { op: 'forceFail' }>) {
  const running = stepNode(draft, op.key);
  if (!running || running.status === 'init')
    return refuse(`node [${op.key}] has not started: pause it before it starts instead`);
  if (running.status === 'terminating') refuse(`node [${op.key}] is already being stopped`);
  if (running.status !== 'pending' && running.status !== 'running')
    refuse(`node [${op.key}] is already ${publicStatus(running.status)}`);
  draft.emit({ type: 'kill', key: running.key, attempt: running.attempt });
  // The kill's own report (`terminated`) and any late result of this attempt find the node ended: ignored.
  draft.patch(running, {
    status: haltsOnFailure(draft, running) ? 'halted' : 'failed',
    message: `forced to fail by ${event.user}${op.message ? `: ${op.message}` : ''}`,
    startTime: running.startTime ?? draft.now,
    endTime: draft.now,
    operator: { action: 'forceFail', user: event.user, at: event.at },
  });
}

function apply(draft: Draft, event: ControlEvent) {
  checkRunOpen(draft);
  const { operation } = event;
  switch (operation.op) {
    case 'pause':
      return pause(draft, event.user);
    case 'resume':
      return resume(draft);
    case 'revoke':
      return revoke(draft, event.user);
    case 'endDebug':
      return endDebug(draft);
    case 'pauseNode':
      return pauseNode(draft, operation.key);
    case 'resumeNode':
      return resumeNode(draft, operation.key);
    case 'retryNode':
      return retryNode(draft, event, operation);
    case 'skipNode':
      return skipNode(draft, event, operation);
    case 'forceFail':
      return forceFail(draft, event, operation);
  }
}

/**
 * What the API checks an action with: the operators' actions applied in order to a stored (settled) state,
 * without settling in between. The consumer settles after each, which only matters for actions queued
 * within one pass on the same node; there it refuses (and logs) what it can no longer apply. Checking
 * without `settle` keeps the settle loop, and all it imports, out of the API's bundles.
 */
export function checkControl(state: RunState, events: ControlEvent[], now: string) {
  const draft = new Draft(state, now);
  for (const event of events) applyControl(draft, event);
  return { state: draft.result(), refused: draft.refused };
}

/** Applies an operator's action, or records why it was refused (then nothing changed: checks come first). */
export function applyControl(draft: Draft, event: ControlEvent) {
  try {
    apply(draft, event);
  } catch (error) {
    if (!(error instanceof ControlRefusal)) throw error;
    draft.refused[event.id] = { kind: error.kind, message: error.message };
  }
}
