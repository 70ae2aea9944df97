/**
 * The working copy `reconcile` edits: copy-on-write over the input state, so the input is never mutated and
 * every node that is not changed keeps its object identity (the adapter writes only the nodes that differ).
 * It also collects the commands and keeps the `Roster`, the indexes over the nodes, up to date.
 */
import type { PipelineSpec } from '../spec/model.ts';
import {
  type NodeState,
  type Refusal,
  RUN_STATE_FIELDS,
  type RunCommand,
  type RunContext,
  type RunState,
  type RunStatus,
} from './model.ts';
import { keepRoster, type Roster, takeRoster } from './roster.ts';
import { compareKeys } from './tree.ts';

/**
 * A shallow copy, in the same key order. A run's nodes record has too many keys for V8's fast objects, and
 * copying key by key is about twice as fast as a spread of such a dictionary (the one cost of a pass that
 * grows with the run).
 */
function copyOf(nodes: Record<string, NodeState>): Record<string, NodeState> {
  const copy: Record<string, NodeState> = {};
  for (const key of Object.keys(nodes)) copy[key] = nodes[key]!;
  return copy;
}

type RunFields = Pick<RunState, (typeof RUN_STATE_FIELDS)[number]>;

export class Draft {
  readonly spec: PipelineSpec;
  readonly context: RunContext;
  readonly runId: string;
  readonly commands: RunCommand[] = [];
  /** Control events refused: id → why. */
  readonly refused: Record<string, Refusal> = {};
  readonly roster: Roster;
  private run: RunFields;
  /** The input's nodes until the first change, then a copy of them (the one the result carries). */
  private nodes: Record<string, NodeState>;
  private runChanged = false;
  private nodesChanged = false;

  constructor(
    private readonly base: RunState,
    readonly now: string,
  ) {
    this.spec = base.spec;
    this.context = base.context;
    this.runId = base.runId;
    this.nodes = base.nodes;
    this.roster = takeRoster(base.spec, base.nodes);
    this.run = Object.fromEntries(RUN_STATE_FIELDS.map((name) => [name, base[name]])) as RunFields;
  }

  get activateTime(): string | undefined {
    return this.run.activateTime;
  }

  get debug(): boolean {
    return this.run.debug === true;
  }

  get holds(): readonly string[] {
    return this.run.holds ?? [];
  }

  get revokedBy(): string | undefined {
    return this.run.revokedBy;
  }

  get rollingBack(): RunState['rollingBack'] {
    return this.run.rollingBack;
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

  /** The nodes of one component of a DAG instance, by loop index. Read it before changing the group. */
  group(parentKey: string, name: string): NodeState[] {
    return this.roster.group(parentKey, name) ?? [];
  }

  /** Adds or replaces a node. */
  put(node: NodeState): NodeState {
    if (!this.nodesChanged) {
      this.nodes = copyOf(this.nodes);
      this.nodesChanged = true;
    }
    const previous = this.nodes[node.key];
    this.nodes[node.key] = node;
    this.roster.update(previous, node);
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

  /** The next state; the roster is left for the pass that gets it. Call once, at the end. */
  result(): RunState {
    keepRoster(this.nodes, this.roster);
    if (!this.runChanged && !this.nodesChanged) return this.base;
    const state: RunState = { ...this.base, ...this.run, nodes: this.nodes };
    for (const name of RUN_STATE_FIELDS) if (state[name] === undefined) delete state[name];
    return state;
  }
}
