/**
 * Statuses that follow from children (§4.2, §4.3; PaddleFlow's `updateStatusAccordingSubComponentRuntimeStatus`
 * and `updateStatusAccordingComponentStatus`): a DAG instance is final once every child component has all its
 * iterations final; the run once its entry points and its post-process step are.
 */
import { templatesIn } from '../spec/templates.ts';
import type { Draft } from './draft.ts';
import { isComplete } from './expand.ts';
import { isFinalNode, type NodeState, type NodeStatus } from './model.ts';
import { outputPaths, ResolveError } from './resolve.ts';
import { childSpecs, isSuccessful } from './tree.ts';

export interface Rollup {
  status: NodeStatus;
  message: string;
  /** The DAG's output artifacts, on success. */
  outputArtifacts?: Record<string, string>;
}

const names = (nodes: NodeState[]) => nodes.map((node) => node.key).join(',');

/** Every node of a DAG instance's children, or undefined while one of them is missing or not final. */
export function finalChildren(draft: Draft, instanceKey: string): NodeState[] | undefined {
  if (!draft.roster.mayBeFinal(instanceKey)) return undefined;
  const nodes: NodeState[] = [];
  for (const comp of Object.values(childSpecs(draft.spec, instanceKey))) {
    const group = draft.group(instanceKey, comp.name);
    if (!isComplete(group, comp) || !group.every((node) => isFinalNode(node.status))) return undefined;
    nodes.push(...group);
  }
  return nodes;
}

/** A DAG's output artifacts: each `{{child.artifact}}` → that child's path(s), comma-joined over iterations. */
function dagOutputs(draft: Draft, dag: NodeState): Record<string, string> {
  const comp = childSpecs(draft.spec, dag.parentKey)[dag.name];
  const outputs: Record<string, string> = {};
  if (comp?.kind !== 'dag') return outputs;
  for (const [name, template] of Object.entries(comp.outputArtifacts)) {
    const ref = templatesIn(template)[0];
    const group = ref?.component ? draft.group(dag.key, ref.component) : [];
    if (!ref || group.length === 0)
      throw new ResolveError(`cannot resolve output artifact [${name}] = [${template}] of dag [${dag.key}]`);
    outputs[name] = outputPaths(group, ref.name);
  }
  return outputs;
}

/**
 * The status of a DAG instance whose children are all final: any failed → failed; any terminated → terminated
 * if the DAG was terminating, else failed; any cancelled → terminated; else succeeded (with its outputs).
 * `dag` is undefined for the root (the run's entry points), which has no outputs.
 */
export function rollup(
  draft: Draft,
  instanceKey: string,
  terminating: boolean,
  dag?: NodeState,
): Rollup | undefined {
  const children = finalChildren(draft, instanceKey);
  if (!children) return undefined;
  const label = dag ? `dag[${dag.key}]` : 'entry_points';
  const failed = children.filter((node) => node.status === 'failed');
  if (failed.length > 0)
    return {
      status: 'failed',
      message: `update ${label}'s status to [failed] due to subSteps or subDags[${names(failed)}] failed`,
    };
  const terminated = children.filter((node) => node.status === 'terminated');
  if (terminated.length > 0) {
    return terminating
      ? {
          status: 'terminated',
          message: `update ${label}'s status to [terminated] due to subSteps or subDags[${names(terminated)}] terminated`,
        }
      : {
          status: 'failed',
          message: `update ${label}'s status to [failed] due to subSteps or subDags[${names(terminated)}] abnormally terminated`,
        };
  }
  const cancelled = children.filter((node) => node.status === 'cancelled');
  if (cancelled.length > 0)
    return {
      status: 'terminated',
      message: `update ${label}'s status to [terminated] due to subSteps or subDags[${names(cancelled)}] cancelled`,
    };
  const message = `all subDags or subSteps succeeded or skipped: ${names(children.filter((node) => isSuccessful(node.status)))}`;
  if (!dag) return { status: 'succeeded', message };
  try {
    return { status: 'succeeded', message, outputArtifacts: dagOutputs(draft, dag) };
  } catch (error) {
    if (!(error instanceof ResolveError)) throw error;
    return { status: 'failed', message: error.message };
  }
}
