/**
 * Creating a component's nodes once it is ready (§4.3, PaddleFlow's `createAndStartSubComponentRuntime`):
 * resolve its parameters and input artifacts, resolve its loop argument into N iterations, create the nodes
 * and start each one (disabled / condition, then a DAG runs and a step waits for a parallelism slot).
 */
import type { ComponentSpec } from '../spec/model.ts';
import type { Draft } from './draft.ts';
import { CONDITION_READ_LIMIT, contentOf, gate, type Read } from './gate.ts';
import { routeGateway } from './gateway.ts';
import { LOOP_READ_LIMIT, loopItems } from './loop.ts';
import type { NodeState, NodeStatus } from './model.ts';
import { failStep, finish, newNode, requestRead } from './nodes.ts';
import { ResolveError, resolveInputArtifacts, resolveParameters, type Scope } from './resolve.ts';
import { gatewayOf } from './tree.ts';

const scopeOf = (draft: Draft, parentKey: string): Scope => ({
  parent: parentKey ? draft.node(parentKey) : undefined,
  siblings: (name) => draft.group(parentKey, name),
});

const range = (count: number) => Array.from({ length: count }, (_, index) => index);

/** How many iterations the group should have: the loop count its nodes carry (1 until it is known). */
const expectedCount = (group: NodeState[]) => Math.max(1, ...group.map((node) => node.loopCount ?? 1));

/** The loop indices a component's group lacks (`undefined`: the single node of a component without loop). */
function missingIndices(group: NodeState[], comp: ComponentSpec): (number | undefined)[] {
  if (!comp.loopArgument) return group.length === 0 ? [undefined] : [];
  const present = new Set(group.map((node) => node.seq));
  return range(expectedCount(group)).filter((index) => !present.has(index));
}

/** Whether a component's group has all its nodes: every iteration the loop gives, or its single node. */
export const isComplete = (group: NodeState[], comp: ComponentSpec) =>
  group.length > 0 && missingIndices(group, comp).length === 0;

export const readingLoop = (group: NodeState[]) => group.find((node) => node.waitingFor?.purpose === 'loop');

/**
 * Ends a group that cannot run: its loop read (if any) and every missing iteration get `status` (and `extra`,
 * such as the gateway that did not take it). A component whose loop was never resolved gets a single node,
 * as PaddleFlow's placeholder runtime.
 */
export function endGroup(
  draft: Draft,
  parentKey: string,
  comp: ComponentSpec,
  status: NodeStatus,
  message: string,
  extra: Partial<NodeState> = {},
) {
  const group = draft.group(parentKey, comp.name);
  const reading = readingLoop(group);
  if (reading) draft.patch(finish(draft, reading, status, message), extra);
  for (const index of missingIndices(group, comp)) {
    draft.put(newNode(draft, parentKey, comp, index, { ...extra, status, message, endTime: draft.now }));
  }
}

/**
 * Starts a new node: disabled or a false condition skip it, a DAG begins to run, a step awaits a slot, a
 * gateway routes at once (unless an operator paused it before it started: then it waits like a step).
 */
export function begin(draft: Draft, node: NodeState, comp: ComponentSpec, read?: Read) {
  const decision = gate(draft, node, comp, read);
  const gateway = gatewayOf(comp);
  switch (decision.kind) {
    case 'read': {
      const waitingFor = {
        purpose: 'condition' as const,
        paths: decision.paths,
        limit: CONDITION_READ_LIMIT,
      };
      requestRead(draft, draft.patch(node, { waitingFor }));
      return;
    }
    case 'skip':
      finish(draft, node, 'skipped', decision.message);
      return;
    case 'fail':
      // A retried gateway is begun again, its own condition included, so it may halt for an operator; a
      // retried step is dispatched without its condition being looked at again, so its failure is final.
      if (gateway) failStep(draft, node, decision.message);
      else finish(draft, node, 'failed', decision.message);
      return;
    case 'run':
      if (node.kind === 'dag') draft.patch(node, { status: 'running', startTime: draft.now }, ['waitingFor']);
      else if (gateway && !draft.holds.includes(node.key)) routeGateway(draft, node, gateway, read);
      else draft.patch(node, {}, ['waitingFor']);
  }
}

/**
 * Creates the nodes a ready component lacks. `answer` is the adapter's reply to the loop read this group
 * waits on. An empty loop list gives one node that fails, as PaddleFlow's single runtime does.
 */
export function expandGroup(draft: Draft, parentKey: string, comp: ComponentSpec, answer?: Read) {
  const scope = scopeOf(draft, parentKey);
  // A copy: the group as it was before this expansion (the draft's own grows as nodes are put).
  const group = [...draft.group(parentKey, comp.name)];
  let shared: Pick<NodeState, 'parameters' | 'inputArtifacts'>;
  let items: unknown[] | undefined;
  try {
    shared = {
      parameters: resolveParameters(draft, comp, scope),
      inputArtifacts: resolveInputArtifacts(comp, scope),
    };
    if (comp.loopArgument) {
      let loop = loopItems(comp.loopArgument, shared.parameters, shared.inputArtifacts);
      if (loop.kind === 'read' && answer) {
        const content = contentOf(answer.contents, loop.path, LOOP_READ_LIMIT, answer.error);
        loop = loopItems(comp.loopArgument, shared.parameters, shared.inputArtifacts, content);
      }
      if (loop.kind === 'read') {
        const index = missingIndices(group, comp)[0] ?? 0;
        const waitingFor = { purpose: 'loop' as const, paths: [loop.path], limit: LOOP_READ_LIMIT };
        requestRead(draft, draft.put(newNode(draft, parentKey, comp, index, { ...shared, waitingFor })));
        return;
      }
      items = loop.items;
      if (items.length === 0)
        throw new ResolveError('it is an empty list: the one iteration PaddleFlow creates fails');
    }
  } catch (error) {
    if (!(error instanceof ResolveError)) throw error;
    endGroup(draft, parentKey, comp, 'failed', `cannot start ${comp.kind}[${comp.path}]: ${error.message}`);
    return;
  }
  const indices: (number | undefined)[] = items
    ? range(Math.max(items.length, expectedCount(group)))
    : [undefined];
  for (const index of indices) {
    const existing = group.find((node) => node.seq === (index ?? 0));
    if (existing && existing.waitingFor?.purpose !== 'loop') continue;
    if (items && index !== undefined && index >= items.length) {
      // Only after a retry: kept iterations beyond what the loop argument gives now.
      const message = `loop_argument of ${comp.kind}[${comp.path}] now has ${items.length} items`;
      draft.put(newNode(draft, parentKey, comp, index, { status: 'failed', message, endTime: draft.now }));
      continue;
    }
    const loopFields = items
      ? { loopArgument: items[index ?? 0] as NodeState['loopArgument'], loopCount: items.length }
      : {};
    const { waitingFor: _answered, ...base } = existing ?? newNode(draft, parentKey, comp, index);
    begin(draft, draft.put({ ...base, ...shared, ...loopFields }), comp);
  }
}
