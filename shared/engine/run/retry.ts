/**
 * PaddleFlow's retry (§4.7): a new run of the same pipeline that keeps what succeeded. Steps that succeeded or
 * were skipped are copied as they are (`inherited`: never dispatched again; same id, outputs and paths, so
 * downstream steps read the files the earlier run wrote). Everything else re-runs: failed, terminated and
 * cancelled nodes, everything downstream of them in their DAG, every DAG with a node inside that re-runs
 * (it is created again and finds its kept children in place, since keys are stable), and the post-process
 * step, which PaddleFlow always runs again.
 */
import type { NodeState, RunContext, RunState } from './model.ts';
import { compareKeys, downstreamLookup, inTree, isSuccessful, rollbackKey } from './tree.ts';

function droppedKeys(previous: RunState): Set<string> {
  const nodes = previous.nodes;
  const keys = Object.keys(nodes).sort(compareKeys);
  const under = (key: string) => keys.filter((other) => other.startsWith(`${key}.`));
  // A step that was rolled back is undone: it runs again, like one that failed.
  const rolledBack = (key: string) => nodes[rollbackKey(key)] !== undefined;
  const downstreamOf = downstreamLookup(previous.spec);
  const dropped = new Set(
    keys.filter((key) => !inTree(key) || !isSuccessful(nodes[key]!.status) || rolledBack(key)),
  );
  let changed = true;
  const drop = (key: string) => {
    if (dropped.has(key)) return;
    dropped.add(key);
    changed = true;
  };
  while (changed) {
    changed = false;
    for (const key of keys) {
      if (nodes[key]!.kind === 'dag' && under(key).some((inner) => dropped.has(inner))) drop(key);
    }
    for (const key of [...dropped]) {
      const node = nodes[key]!;
      if (!inTree(key)) continue;
      const downstream = downstreamOf(node.parentKey, node.name);
      for (const other of keys) {
        const candidate = nodes[other]!;
        if (candidate.parentKey !== node.parentKey || !downstream.has(candidate.name)) continue;
        drop(other);
        for (const inner of under(other)) drop(inner);
      }
    }
  }
  return dropped;
}

export function retryRunState(previous: RunState, context: RunContext): RunState {
  const dropped = droppedKeys(previous);
  const nodes: Record<string, NodeState> = {};
  for (const [key, node] of Object.entries(previous.nodes)) {
    if (!dropped.has(key)) nodes[key] = { ...node, inherited: true };
  }
  return { runId: context.runId, status: 'pending', message: '', spec: previous.spec, context, nodes };
}
