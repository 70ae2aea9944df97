/**
 * The working copy `reconcile` edits: copy-on-write over the input state, so the input is never mutated and
 * every node that is not changed keeps its object identity (the adapter writes only the nodes that differ).
 * It also collects the commands and keeps an index of nodes by (DAG instance, component).
 */
import type { PipelineSpec } from '../spec/model.ts';
import type { NodeState, RunCommand, RunContext, RunState, RunStatus } from './model.ts';
import { compareKeys, isPostKey } from './tree.ts';

type RunFields = Pick<RunState, 'status' | 'message' | 'stopForce' | 'activateTime'>;

const groupId = (parentKey: string, name: string) => `${parentKey}\u0000${name}`;

export class Draft {
  readonly spec: PipelineSpec;
  readonly context: RunContext;
  readonly runId: string;
  readonly commands: RunCommand[] = [];
  private run: RunFields;
  private readonly nodes: Record<string, NodeState>;
  private runChanged = false;
  private nodesChanged = false;
  private groups?: Map<string, NodeState[]>;

  constructor(
    private readonly base: RunState,
    readonly now: string,
  ) {
    this.spec = base.spec;
    this.context = base.context;
    this.runId = base.runId;
    this.nodes = { ...base.nodes };
    this.run = {
      status: base.status,
      message: base.message,
      stopForce: base.stopForce,
      activateTime: base.activateTime,
    };
  }

  get status(): RunStatus {
    return this.run.status;
  }

  get stopForce(): boolean {
    return this.run.stopForce === true;
  }

  setRun(fields: Partial<RunFields>) {
    for (const [name, value] of Object.entries(fields) as [keyof RunFields, never][]) {
      if (this.run[name] === value) continue;
      this.run = { ...this.run, [name]: value };
      this.runChanged = true;
    }
  }

  node(key: string): NodeState | undefined {
    return this.nodes[key];
  }

  /** Every node, in key order (never in storage order, so results do not depend on how state was stored). */
  all(): NodeState[] {
    return Object.keys(this.nodes)
      .sort(compareKeys)
      .map((key) => this.nodes[key]!);
  }

  /** The nodes of one component of a DAG instance, by loop index. */
  group(parentKey: string, name: string): NodeState[] {
    if (!this.groups) {
      this.groups = new Map();
      for (const node of Object.values(this.nodes)) this.index(node);
    }
    return this.groups.get(groupId(parentKey, name)) ?? [];
  }

  private index(node: NodeState) {
    if (!this.groups || isPostKey(node.key)) return;
    const id = groupId(node.parentKey, node.name);
    const list = (this.groups.get(id) ?? []).filter((other) => other.key !== node.key);
    list.push(node);
    list.sort((a, b) => a.seq - b.seq);
    this.groups.set(id, list);
  }

  /** Adds or replaces a node. */
  put(node: NodeState): NodeState {
    this.nodes[node.key] = node;
    this.nodesChanged = true;
    this.index(node);
    return node;
  }

  /**
   * A new node object with `fields` set and `drop` removed, unless that changes nothing (then the same
   * object). Fields set to `undefined` are removed too, so stored and computed states compare equal.
   */
  patch(node: NodeState, fields: Partial<NodeState>, drop: (keyof NodeState)[] = []): NodeState {
    const current = this.nodes[node.key] ?? node;
    const entries = Object.entries(fields) as [keyof NodeState, unknown][];
    const changes = entries.some(([name, value]) => current[name] !== value);
    const removes = drop.some((name) => name in current);
    if (!changes && !removes) return current;
    const next: Record<string, unknown> = { ...current, ...fields };
    for (const name of drop) delete next[name];
    for (const [name, value] of Object.entries(next)) if (value === undefined) delete next[name];
    return this.put(next as unknown as NodeState);
  }

  emit(command: RunCommand) {
    this.commands.push(command);
  }

  result(): RunState {
    if (!this.runChanged && !this.nodesChanged) return this.base;
    const state: RunState = {
      ...this.base,
      ...this.run,
      nodes: this.nodesChanged ? this.nodes : this.base.nodes,
    };
    for (const name of ['stopForce', 'activateTime'] as const)
      if (state[name] === undefined) delete state[name];
    return state;
  }
}
