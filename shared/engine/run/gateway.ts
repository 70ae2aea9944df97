/**
 * Gateways (bamboo's exclusive and conditional-parallel gateways, on PaddleFlow's DAG): a step that runs no
 * job and decides which of the siblings waiting for it run. It is begun like any component (disabled, its own
 * condition), then routes at once: it ends `succeeded` with the targets it took as its `route`, or fails.
 *
 * Every target it did not take is skipped (`untaken`) when its turn comes, and so is everything downstream
 * that only a not-taken branch leads to. Skipped counts as done for deps (PaddleFlow's rule), so without that
 * propagation the step after a not-taken target would run as if the branch had; a join with one taken
 * upstream still runs.
 */
import type { ComponentSpec, GatewaySpec } from '../spec/model.ts';
import type { Draft } from './draft.ts';
import { conditionHolds, isConditionError, type Read } from './gate.ts';
import type { NodeState } from './model.ts';
import { failStep } from './nodes.ts';
import { gatewayOf, targetsOf } from './tree.ts';

const listOf = (names: string[]) => `[${names.join(', ')}]`;

type Decision = { route: string[]; message: string } | { failure: string };

/**
 * The targets of the branches that hold, or why one could not be evaluated. Exclusive `first` stops at the
 * first branch that holds (later ones are not evaluated); `only` and parallel evaluate every branch.
 */
function branchesHolding(
  draft: Draft,
  node: NodeState,
  gateway: GatewaySpec,
  read?: Read,
): { held: string[] } | { failure: string } {
  const held: string[] = [];
  for (const { target, condition } of gateway.branches) {
    const where = `the condition of branch [${target}] of gateway [${node.key}]`;
    try {
      if (!conditionHolds(draft, node, condition, read, where)) continue;
    } catch (error) {
      if (!isConditionError(error)) throw error;
      return { failure: `cannot evaluate ${where}: ${(error as Error).message}` };
    }
    held.push(target);
    if (gateway.type === 'exclusive' && gateway.mode === 'first') break;
  }
  return { held };
}

function decide(draft: Draft, node: NodeState, gateway: GatewaySpec, read?: Read): Decision {
  const evaluated = branchesHolding(draft, node, gateway, read);
  if ('failure' in evaluated) return evaluated;
  const { held } = evaluated;
  if (held.length === 0) {
    if (gateway.default === undefined)
      return { failure: `no branch of gateway [${node.key}] held and it has no default` };
    return { route: [gateway.default], message: `no branch held; took the default [${gateway.default}]` };
  }
  if (gateway.type === 'exclusive' && gateway.mode === 'only' && held.length > 1)
    return {
      failure: `${held.length} branches of gateway [${node.key}] held: ${listOf(held)}; an exclusive gateway in mode only takes exactly one`,
    };
  return { route: held, message: `took ${listOf(held)}` };
}

/**
 * Evaluates a begun gateway's branches (with the contents of the artifacts they name, already read) and ends
 * it: routed, or failed through `failStep`, so a debug run halts it for an operator to retry or skip.
 */
export function routeGateway(draft: Draft, node: NodeState, gateway: GatewaySpec, read?: Read) {
  const decision = decide(draft, node, gateway, read);
  const startTime = draft.now;
  if ('failure' in decision) {
    failStep(draft, draft.patch(node, { startTime }), decision.failure);
    return;
  }
  const { route, message } = decision;
  draft.patch(node, { status: 'succeeded', route, message, startTime, endTime: draft.now }, ['waitingFor']);
}

/**
 * Why a component whose deps are all done does not run: the gateway that did not take it. Either a gateway
 * among its deps names it and routed elsewhere (one that never decided, being disabled or skipped by its
 * condition, took nothing), or every upstream of it was itself not taken.
 */
export function untakenBy(
  draft: Draft,
  instanceKey: string,
  comp: ComponentSpec,
  siblings: Record<string, ComponentSpec>,
): { gateway: string; message: string } | undefined {
  for (const dep of comp.deps) {
    const gateway = gatewayOf(siblings[dep]);
    if (!gateway || !targetsOf(gateway).includes(comp.name)) continue;
    // A gateway has no loop: one node.
    for (const node of draft.group(instanceKey, dep))
      if (!node.route?.includes(comp.name))
        return { gateway: node.key, message: `not taken by gateway [${node.key}]` };
  }
  let by: string | undefined;
  for (const dep of comp.deps) {
    const group = draft.group(instanceKey, dep);
    if (group.length === 0 || group.some((node) => node.untaken === undefined)) return undefined;
    by ??= group[0]!.untaken;
  }
  return by === undefined
    ? undefined
    : { gateway: by, message: `its upstream was not taken by gateway [${by}]` };
}
