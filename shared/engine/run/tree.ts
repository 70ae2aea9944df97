/**
 * How node keys map onto the pipeline spec. A DAG instance is the root (key `''`) or a DAG node; its children
 * are the components of its spec's `entryPoints`, each a group of nodes: one node `parent.name`, or for a
 * looped component one per iteration, `parent.name[i]`.
 */
import type { ComponentSpec, PipelineSpec, StepSpec } from '../spec/model.ts';
import type { NodeState, NodeStatus } from './model.ts';

export const POST_PREFIX = 'post:';
export const isPostKey = (key: string) => key.startsWith(POST_PREFIX);
export const postKey = (name: string) => `${POST_PREFIX}${name}`;

export const childKey = (parentKey: string, name: string, index?: number) =>
  `${parentKey ? `${parentKey}.` : ''}${name}${index === undefined ? '' : `[${index}]`}`;

/** The component at a dotted spec path of the entry points. */
export function componentAt(spec: PipelineSpec, path: string): ComponentSpec | undefined {
  let map = spec.entryPoints;
  let found: ComponentSpec | undefined;
  for (const name of path.split('.')) {
    found = map[name];
    if (!found) return undefined;
    map = found.kind === 'dag' ? found.entryPoints : {};
  }
  return found;
}

/** The spec a node was built from (entry-point component or post-process step). */
export function specOf(spec: PipelineSpec, node: NodeState): ComponentSpec | undefined {
  return isPostKey(node.key) ? spec.postProcess[node.name] : componentAt(spec, node.path);
}

export function stepSpecOf(spec: PipelineSpec, node: NodeState): StepSpec {
  const found = specOf(spec, node);
  if (found?.kind !== 'step') throw new Error(`node [${node.key}] has no step in the pipeline spec`);
  return found;
}

/** The child components of a DAG instance: the entry points for the root, the DAG's own otherwise. */
export function childSpecs(spec: PipelineSpec, instanceKey: string): Record<string, ComponentSpec> {
  if (instanceKey === '') return spec.entryPoints;
  const dag = componentAt(spec, pathOfKey(instanceKey));
  return dag?.kind === 'dag' ? dag.entryPoints : {};
}

/** `a[1].b[0].c` → `a.b.c`. */
export const pathOfKey = (key: string) => key.replace(/\[\d+\]/g, '');

/** Orders keys with loop indices compared as numbers (`a[2]` before `a[10]`), independent of storage order. */
const sortable = (key: string) => key.replace(/\[(\d+)\]/g, (_, n: string) => `[${n.padStart(10, '0')}]`);
export const compareKeys = (a: string, b: string) => {
  const x = sortable(a);
  const y = sortable(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export const depth = (key: string) => key.split('.').length;

export const isDisabled = (spec: PipelineSpec, node: NodeState) =>
  spec.disabled.includes(isPostKey(node.key) ? node.name : node.path);

export const ACTIVE_STEP: readonly NodeStatus[] = ['pending', 'running', 'terminating'];
export const isSuccessful = (status: NodeStatus) => status === 'succeeded' || status === 'skipped';
