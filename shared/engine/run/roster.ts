/**
 * What the settle loop needs to know about the nodes without scanning them: the nodes by (DAG instance,
 * component), the parallelism slots in use and the steps waiting for one (oldest first), the running DAGs, the
 * nodes not final, fail_fast's triggers, and per DAG instance how many children are not final. `update` keeps
 * all of it right as nodes are put, at the cost of the change; the `Agenda` of what to look at again rides
 * along, as it is about the same nodes.
 *
 * A roster is built from the nodes once (O(nodes)) and then carried from pass to pass: the state `reconcile`
 * returns is what the consumer hands it next time, so the roster is remembered by the identity of that
 * state's `nodes` record (states are values: never mutated once returned). A pass takes the roster out of the
 * cache before changing it, so reconciling the same state twice builds it anew the second time rather than
 * reading one already moved on.
 */
import type { PipelineSpec } from '../spec/model.ts';
import { Agenda } from './agenda.ts';
import { isFinalNode, type NodeState } from './model.ts';
import { lowerBound } from './sorted.ts';
import { ACTIVE_STEP, childSpecs, compareKeys, inTree, siblingsOf } from './tree.ts';

const groupId = (parentKey: string, name: string) => `${parentKey}\u0000${name}`;

const isWaiting = (node: NodeState) => node.kind === 'step' && node.status === 'init' && !node.waitingFor;
const isLive = (node: NodeState) =>
  node.kind === 'dag' && (node.status === 'running' || node.status === 'terminating');
/** Slots go to waiting steps oldest first: by creation time, then key. */
const byAge = (a: NodeState, b: NodeState) =>
  a.createTime < b.createTime ? -1 : a.createTime > b.createTime ? 1 : compareKeys(a.key, b.key);

/** A node the roster holds: it holds every node of the state, so a miss is a bug, not a case. */
function indexIn(list: NodeState[], node: NodeState): number {
  const at = list.indexOf(node);
  if (at < 0) throw new Error(`node [${node.key}] is not in the run's roster`);
  return at;
}

const bySeq = (a: NodeState, b: NodeState) => a.seq - b.seq;
/** After the nodes of equal seq, as a stable sort of the group with the node pushed last puts it. */
const afterSeq = (list: NodeState[], seq: number) => {
  let at = list.length;
  while (at > 0 && list[at - 1]!.seq > seq) at--;
  return at;
};

export class Roster {
  readonly agenda = new Agenda();
  private readonly groups = new Map<string, NodeState[]>();
  private active = 0;
  private readonly queue: NodeState[] = [];
  private readonly liveDags = new Set<string>();
  private readonly notFinal = new Set<string>();
  private failures = 0;
  private readonly terminations = new Set<string>();
  /** Per DAG instance: its child components' nodes not final, and the components with a node. */
  private readonly open = new Map<string, number>();
  private readonly populated = new Map<string, number>();

  constructor(readonly spec: PipelineSpec) {}

  /** Steps holding a parallelism slot (pending, running, terminating). */
  get activeSteps(): number {
    return this.active;
  }

  /** Steps waiting for a slot (init, not waiting for a read), oldest first. */
  get waiting(): readonly NodeState[] {
    return this.queue;
  }

  /** Running and terminating DAGs: the instances that may still create children. */
  get live(): ReadonlySet<string> {
    return this.liveDags;
  }

  /** Keys of the nodes not final. */
  get unfinished(): ReadonlySet<string> {
    return this.notFinal;
  }

  /** Entry-point nodes failed, and the keys of those terminated: fail_fast's triggers. */
  get failed(): number {
    return this.failures;
  }

  get terminated(): ReadonlySet<string> {
    return this.terminations;
  }

  /** A roster of `nodes`, with everything that may be ready marked (nothing is known to be settled). */
  static build(spec: PipelineSpec, nodes: Record<string, NodeState>): Roster {
    const roster = new Roster(spec);
    const all = Object.values(nodes);
    for (const node of all) roster.add(node, false);
    for (const group of roster.groups.values()) group.sort(bySeq);
    roster.queue.sort(byAge);
    roster.markEverything();
    return roster;
  }

  /**
   * Marks every component of every live instance, and every live DAG: after a change the marks do not follow
   * (a run resumed from a pause, whose ready components were passed over while it was paused).
   */
  markEverything() {
    for (const instance of ['', ...this.liveDags]) {
      this.agenda.markAll(instance, siblingsOf(childSpecs(this.spec, instance)).names);
      if (instance !== '') this.agenda.markDag(instance);
    }
  }

  group(parentKey: string, name: string): NodeState[] | undefined {
    return this.groups.get(groupId(parentKey, name));
  }

  /**
   * Whether every child component of a DAG instance has nodes and none is unfinished: a cheap necessary
   * condition for `finalChildren`, which then checks the loop iterations one by one.
   */
  mayBeFinal(instance: string): boolean {
    const { count } = siblingsOf(childSpecs(this.spec, instance));
    return (this.open.get(instance) ?? 0) === 0 && (this.populated.get(instance) ?? 0) === count;
  }

  /** Records that `next` replaced `previous` (undefined: a new node), and marks what that may affect. */
  update(previous: NodeState | undefined, next: NodeState) {
    if (previous) this.remove(previous);
    this.add(next, true);
    const { agenda } = this;
    if (inTree(next.key)) {
      agenda.mark(next.parentKey, next.name);
      const dependents = siblingsOf(childSpecs(this.spec, next.parentKey)).dependents.get(next.name);
      if (dependents) for (const name of dependents) agenda.mark(next.parentKey, name);
      if (next.parentKey !== '') agenda.markDag(next.parentKey);
    }
    if (next.kind === 'dag') {
      agenda.markDag(next.key);
      if (isLive(next) && previous?.status !== next.status)
        agenda.markAll(next.key, siblingsOf(childSpecs(this.spec, next.key)).names);
    }
  }

  /** Whether a node counts toward its instance's children (it belongs to one of its components). */
  private isChild(node: NodeState): boolean {
    return inTree(node.key) && childSpecs(this.spec, node.parentKey)[node.name]?.name === node.name;
  }

  private count(map: Map<string, number>, key: string, delta: number) {
    map.set(key, (map.get(key) ?? 0) + delta);
  }

  private add(node: NodeState, sorted: boolean) {
    if (inTree(node.key)) {
      const id = groupId(node.parentKey, node.name);
      let group = this.groups.get(id);
      if (!group) {
        group = [];
        this.groups.set(id, group);
        if (this.isChild(node)) this.count(this.populated, node.parentKey, 1);
      }
      if (sorted) group.splice(afterSeq(group, node.seq), 0, node);
      else group.push(node);
      if (node.status === 'failed') this.failures++;
      if (node.status === 'terminated') this.terminations.add(node.key);
    }
    const final = isFinalNode(node.status);
    if (!final) {
      this.notFinal.add(node.key);
      if (this.isChild(node)) this.count(this.open, node.parentKey, 1);
    }
    if (node.kind === 'step' && ACTIVE_STEP.includes(node.status)) this.active++;
    if (isWaiting(node)) {
      if (sorted) this.queue.splice(lowerBound(this.queue, node, byAge), 0, node);
      else this.queue.push(node);
    }
    if (isLive(node)) this.liveDags.add(node.key);
  }

  /** Undoes `add` for a node about to be replaced (its group keeps existing: nodes are never removed). */
  private remove(node: NodeState) {
    if (inTree(node.key)) {
      const group = this.groups.get(groupId(node.parentKey, node.name))!;
      group.splice(indexIn(group, node), 1);
      if (node.status === 'failed') this.failures--;
      if (node.status === 'terminated') this.terminations.delete(node.key);
    }
    if (!isFinalNode(node.status)) {
      this.notFinal.delete(node.key);
      if (this.isChild(node)) this.count(this.open, node.parentKey, -1);
    }
    if (node.kind === 'step' && ACTIVE_STEP.includes(node.status)) this.active--;
    if (isWaiting(node)) {
      const at = lowerBound(this.queue, node, byAge);
      this.queue.splice(this.queue[at] === node ? at : indexIn(this.queue, node), 1);
    }
    if (isLive(node)) this.liveDags.delete(node.key);
  }
}

/** Rosters by the `nodes` record they describe, with the spec they were built for. */
const rosters = new WeakMap<Record<string, NodeState>, Roster>();

/** The roster of a state's nodes: the one its pass left, or a new one. Taken out: the caller changes it. */
export function takeRoster(spec: PipelineSpec, nodes: Record<string, NodeState>): Roster {
  const kept = rosters.get(nodes);
  rosters.delete(nodes);
  return kept && kept.spec === spec ? kept : Roster.build(spec, nodes);
}

/** Leaves the roster for the next pass over `nodes`. */
export function keepRoster(nodes: Record<string, NodeState>, roster: Roster) {
  rosters.set(nodes, roster);
}
