/**
 * What the settle loop has to look at again. A pass over every component of every DAG instance, and over
 * every running DAG, costs the size of the run; instead, every change to a node marks what it can affect
 * (its component and the components depending on it, its DAG), and the loop visits only what is marked.
 *
 * The invariant: a component that is not marked would do nothing if the loop visited it (its group is
 * complete, or it waits on deps), and a running DAG that is not marked has children still going. A change of
 * a group marks the component and its dependents; a DAG that starts running or stopping marks all its
 * components; the root's stopping (stop, fail_fast) is watched each round. Visits happen in the order the
 * full pass would make them, including what a visit marks further on, so the result is the same.
 */
import { lowerBound } from './sorted.ts';
import { compareKeys, depth } from './tree.ts';

/** Inserts `item` into the sorted `queue` (at or after `from`), unless it is there already. */
function insertSorted<T>(queue: T[], item: T, from: number, compare: (a: T, b: T) => number) {
  const at = lowerBound(queue, item, compare, from);
  if (at < queue.length && compare(queue[at]!, item) === 0) return;
  queue.splice(at, 0, item);
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** endDags' order: deepest first, so a DAG ends before its parent looks at it. */
const deepestFirst = (a: string, b: string) => depth(b) - depth(a) || compareKeys(a, b);

/** One visit in progress: what is still to come, so that marks sorting after the current item join it. */
interface Cursor {
  queue: string[];
  at: number;
  compare: (a: string, b: string) => number;
}

export class Agenda {
  /** DAG instance key → marked component names. */
  private readonly components = new Map<string, Set<string>>();
  private readonly dags = new Set<string>();
  private componentCursor?: Cursor & { instance: string };
  private dagCursor?: Cursor;
  /** Whether the root was stopping when last visited: its components are all marked when that begins. */
  private rootStopping = false;

  mark(instance: string, name: string) {
    let marked = this.components.get(instance);
    if (!marked) {
      marked = new Set();
      this.components.set(instance, marked);
    }
    if (marked.has(name)) return;
    marked.add(name);
    const cursor = this.componentCursor;
    if (cursor?.instance === instance) join(cursor, name);
  }

  markAll(instance: string, names: readonly string[]) {
    for (const name of names) this.mark(instance, name);
  }

  markDag(key: string) {
    if (this.dags.has(key)) return;
    this.dags.add(key);
    if (this.dagCursor) join(this.dagCursor, key);
  }

  /** Marks all of the root's components when it begins stopping. */
  watchRoot(stopping: boolean, names: readonly string[]) {
    if (stopping && !this.rootStopping) this.markAll('', names);
    this.rootStopping = stopping;
  }

  /**
   * The DAG instances with marked components, in key order (the root first). Marks of an instance that is
   * not live are dropped: it creates no children, and one that starts running is marked in full then.
   */
  instances(live: (key: string) => boolean): string[] {
    const found: string[] = [];
    for (const [instance, marked] of this.components) {
      if (marked.size > 0 && live(instance)) found.push(instance);
      else this.components.delete(instance);
    }
    return found.sort(compareKeys);
  }

  /** Visits an instance's marked components in name order, unmarking each before its visit. */
  visitComponents(instance: string, visit: (name: string) => void) {
    const marked = this.components.get(instance);
    if (!marked || marked.size === 0) return;
    const cursor = { instance, queue: [...marked].sort(), at: 0, compare: byName };
    this.componentCursor = cursor;
    try {
      drain(cursor, marked, visit);
    } finally {
      this.componentCursor = undefined;
    }
  }

  /** Visits the marked DAGs deepest first, unmarking each before its visit. */
  visitDags(visit: (key: string) => void) {
    if (this.dags.size === 0) return;
    const cursor = { queue: [...this.dags].sort(deepestFirst), at: 0, compare: deepestFirst };
    this.dagCursor = cursor;
    try {
      drain(cursor, this.dags, visit);
    } finally {
      this.dagCursor = undefined;
    }
  }
}

/** A mark made during a visit joins it when it sorts after the item being visited (else: the next round). */
function join(cursor: Cursor, item: string) {
  if (cursor.at > 0 && cursor.compare(item, cursor.queue[cursor.at - 1]!) > 0)
    insertSorted(cursor.queue, item, cursor.at, cursor.compare);
}

function drain(cursor: Cursor, marked: Set<string>, visit: (item: string) => void) {
  while (cursor.at < cursor.queue.length) {
    const item = cursor.queue[cursor.at++]!;
    if (marked.delete(item)) visit(item);
  }
}
