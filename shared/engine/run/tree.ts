/**
 * How node keys map onto the pipeline spec. A DAG instance is the root (key `''`) or a DAG node; its children
 * are the components of its spec's `entryPoints`, each a group of nodes: one node `parent.name`, or for a
 * looped component one per iteration, `parent.name[i]`.
 *
 * Lookups are cached by the identity of the spec (or of an `entryPoints` map) in WeakMaps: the spec object
 * lives as long as its run in a process (the consumer keeps the state between passes), so each path is walked
 * once, not once per node per pass; a structurally equal copy simply builds its own cache.
 */
import type { ComponentSpec, GatewaySpec, PipelineSpec, StepSpec } from '../spec/model.ts';
import type { NodeState, NodeStatus } from './model.ts';

export const POST_PREFIX = 'post:';
export const isPostKey = (key: string) => key.startsWith(POST_PREFIX);
export const postKey = (name: string) => `${POST_PREFIX}${name}`;

const ROLLBACK_PREFIX = 'rollback:';
export const isRollbackKey = (key: string) => key.startsWith(ROLLBACK_PREFIX);
/** The key of step `key`'s rollback node. */
export const rollbackKey = (key: string) => `${ROLLBACK_PREFIX}${key}`;
/** The key of the step a rollback node rolls back. */
export const rolledBackKey = (key: string) => key.slice(ROLLBACK_PREFIX.length);

export const childKey = (parentKey: string, name: string, index?: number) =>
  `${parentKey ? `${parentKey}.` : ''}${name}${index === undefined ? '' : `[${index}]`}`;

interface SpecLookups {
  /** Spec path → component (undefined: no such path). */
  components: Map<string, ComponentSpec | undefined>;
  /** DAG instance key → its child components. */
  children: Map<string, Record<string, ComponentSpec>>;
}

const lookups = new WeakMap<PipelineSpec, SpecLookups>();

function lookupsOf(spec: PipelineSpec): SpecLookups {
  let found = lookups.get(spec);
  if (!found) {
    found = { components: new Map(), children: new Map() };
    lookups.set(spec, found);
  }
  return found;
}

function walk(spec: PipelineSpec, path: string): ComponentSpec | undefined {
  let map = spec.entryPoints;
  let found: ComponentSpec | undefined;
  for (const name of path.split('.')) {
    found = map[name];
    if (!found) return undefined;
    map = found.kind === 'dag' ? found.entryPoints : {};
  }
  return found;
}

/** The component at a dotted spec path of the entry points. */
function componentAt(spec: PipelineSpec, path: string): ComponentSpec | undefined {
  const { components } = lookupsOf(spec);
  if (components.has(path)) return components.get(path);
  const found = walk(spec, path);
  components.set(path, found);
  return found;
}

/** A rollback is a command whatever its step is: not a wait, a function call or a request. */
function asCommandStep(step: StepSpec): StepSpec {
  const { wait, lambda, http, ...command } = step;
  return command;
}

/**
 * The step a rollback node runs: the rolled-back step with its `rollback` command (a command step, whatever
 * kind the step was), no outputs of its own (its step's outputs are its inputs, so that nothing empties them)
 * and no cache. `path` is the step's.
 */
function rollbackStepAt(spec: PipelineSpec, path: string): StepSpec | undefined {
  const { components } = lookupsOf(spec);
  const key = rollbackKey(path);
  if (components.has(key)) return components.get(key) as StepSpec | undefined;
  const step = isPostKey(path) ? spec.postProcess[path.slice(POST_PREFIX.length)] : componentAt(spec, path);
  const found: StepSpec | undefined =
    step?.kind === 'step' && step.rollback !== undefined
      ? {
          ...asCommandStep(step),
          command: step.rollback,
          outputArtifacts: [],
          cache: { ...step.cache, enable: false },
        }
      : undefined;
  components.set(key, found);
  return found;
}

/** The spec a node was built from (entry-point component, post-process step, or a step's rollback). */
export function specOf(spec: PipelineSpec, node: NodeState): ComponentSpec | undefined {
  if (isRollbackKey(node.key)) return rollbackStepAt(spec, rolledBackKey(node.path));
  return isPostKey(node.key) ? spec.postProcess[node.name] : componentAt(spec, node.path);
}

/** Whether a node belongs to the entry points' tree (not the post-process step, not a rollback). */
export const inTree = (key: string) => !isPostKey(key) && !isRollbackKey(key);

/** Every component that depends on `name`, directly or not, from the components' dependents. */
function downstreamOf(dependents: Map<string, string[]>, name: string): Set<string> {
  const found = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    for (const sibling of dependents.get(queue.pop()!) ?? []) {
      if (found.has(sibling)) continue;
      found.add(sibling);
      queue.push(sibling);
    }
  }
  return found;
}

/**
 * The siblings downstream of a component, by DAG instance key and name. The function returned keeps each
 * answer, for a caller that asks again and again (rollback asks per pair of steps); the sets go with it rather
 * than outlive the question.
 */
export function downstreamLookup(
  spec: PipelineSpec,
): (instanceKey: string, name: string) => ReadonlySet<string> {
  const known = new Map<string, ReadonlySet<string>>();
  return (instanceKey, name) => {
    const id = `${instanceKey}\u0000${name}`;
    let found = known.get(id);
    if (!found) {
      found = downstreamOf(siblingsOf(childSpecs(spec, instanceKey)).dependents, name);
      known.set(id, found);
    }
    return found;
  };
}

/** The gateway a component is, if it is one. */
export const gatewayOf = (comp: ComponentSpec | undefined): GatewaySpec | undefined =>
  comp?.kind === 'step' ? comp.gateway : undefined;

/** The siblings a gateway may route to: its branch targets, then its default. */
export const targetsOf = (gateway: GatewaySpec): string[] => [
  ...gateway.branches.map((branch) => branch.target),
  ...(gateway.default === undefined ? [] : [gateway.default]),
];

export function stepSpecOf(spec: PipelineSpec, node: NodeState): StepSpec {
  const found = specOf(spec, node);
  if (found?.kind !== 'step') throw new Error(`node [${node.key}] has no step in the pipeline spec`);
  return found;
}

const NO_CHILDREN: Record<string, ComponentSpec> = Object.freeze({});

/** The child components of a DAG instance: the entry points for the root, the DAG's own otherwise. */
export function childSpecs(spec: PipelineSpec, instanceKey: string): Record<string, ComponentSpec> {
  if (instanceKey === '') return spec.entryPoints;
  const { children } = lookupsOf(spec);
  let found = children.get(instanceKey);
  if (!found) {
    const dag = componentAt(spec, pathOfKey(instanceKey));
    found = dag?.kind === 'dag' ? dag.entryPoints : NO_CHILDREN;
    children.set(instanceKey, found);
  }
  return found;
}

/** What the settle loop asks of one DAG's child components, over and over. */
export interface Siblings {
  /** The component names in the order the settle loop visits them (JavaScript's default string order). */
  names: string[];
  /** How many distinct components there are (a DAG instance is final once this many groups are). */
  count: number;
  /** Component name → the names of the components that list it in their deps. */
  dependents: Map<string, string[]>;
}

const siblingsCache = new WeakMap<Record<string, ComponentSpec>, Siblings>();

export function siblingsOf(children: Record<string, ComponentSpec>): Siblings {
  let found = siblingsCache.get(children);
  if (!found) {
    const dependents = new Map<string, string[]>();
    for (const [name, comp] of Object.entries(children)) {
      for (const dep of comp.deps) {
        const upstream = children[dep]?.name;
        if (upstream === undefined) continue;
        const list = dependents.get(upstream) ?? [];
        list.push(name);
        dependents.set(upstream, list);
      }
    }
    const count = new Set(Object.values(children).map((comp) => comp.name)).size;
    found = { names: Object.keys(children).sort(), count, dependents };
    siblingsCache.set(children, found);
  }
  return found;
}

/** `a[1].b[0].c` → `a.b.c`. */
const pathOfKey = (key: string) => (key.includes('[') ? key.replace(/\[\d+\]/g, '') : key);

/**
 * Orders keys with loop indices compared as numbers (`a[2]` before `a[10]`), independent of storage order.
 * Keys without a loop index compare as they are; the padded form of the others is memoised (a bounded
 * memo: keys repeat across passes, and the regex is too slow for the sorts that run in every pass).
 */
const SORTABLE_MEMO_LIMIT = 100_000;
const sortables = new Map<string, string>();
function sortable(key: string): string {
  let found = sortables.get(key);
  if (found === undefined) {
    found = key.replace(/\[(\d+)\]/g, (_, n: string) => `[${n.padStart(10, '0')}]`);
    if (sortables.size >= SORTABLE_MEMO_LIMIT) sortables.clear();
    sortables.set(key, found);
  }
  return found;
}
export const compareKeys = (a: string, b: string) => {
  const x = a.includes('[') ? sortable(a) : a;
  const y = b.includes('[') ? sortable(b) : b;
  return x < y ? -1 : x > y ? 1 : 0;
};

export const depth = (key: string) => key.split('.').length;

export const isDisabled = (spec: PipelineSpec, node: NodeState) =>
  spec.disabled.includes(isPostKey(node.key) ? node.name : node.path);

export const ACTIVE_STEP: readonly NodeStatus[] = ['pending', 'running', 'terminating'];
export const isSuccessful = (status: NodeStatus) => status === 'succeeded' || status === 'skipped';

const KEY_SEGMENT = /^([A-Za-z][A-Za-z0-9-]*)(?:\[(\d+)\])?$/;

/**
 * The component a node key names, whether or not the node exists yet: every segment a component of its
 * parent, with a loop index exactly where the component loops. Undefined for a key no node could have.
 */
export function componentOfKey(spec: PipelineSpec, key: string): ComponentSpec | undefined {
  const own = (map: Record<string, ComponentSpec>, name: string) =>
    Object.hasOwn(map, name) ? map[name] : undefined;
  if (isPostKey(key)) return own(spec.postProcess, key.slice(POST_PREFIX.length));
  let map = spec.entryPoints;
  let found: ComponentSpec | undefined;
  for (const segment of key.split('.')) {
    const match = KEY_SEGMENT.exec(segment);
    found = match ? own(map, match[1]!) : undefined;
    if (!found || (match![2] !== undefined) !== (found.loopArgument !== undefined)) return undefined;
    map = found.kind === 'dag' ? found.entryPoints : {};
  }
  return found;
}
