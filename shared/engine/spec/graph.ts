/** `deps` (§3.4): each names a sibling in the same map, and each level of the DAG is acyclic. */
import { SpecError } from './errors.ts';
import type { Comp } from './structure.ts';
import { where } from './walk.ts';

/** The names of a map in an order where every component comes after its deps; throws on a cycle. */
function topologicalOrder(map: Record<string, Comp>): string[] {
  const order: string[] = [];
  const remaining = new Map(
    Object.values(map).map((comp) => [comp.name, comp.deps.filter((dep) => dep in map)]),
  );
  while (remaining.size > 0) {
    const ready = [...remaining]
      .filter(([, deps]) => deps.every((dep) => !remaining.has(dep)))
      .map(([name]) => name);
    if (ready.length === 0) {
      const names = [...remaining.keys()].map((name) => map[name]!.path);
      throw new SpecError(`components [${names.join(', ')}] depend on each other in a cycle`);
    }
    for (const name of ready.sort()) {
      remaining.delete(name);
      order.push(name);
    }
  }
  return order;
}

/** Deps name siblings, no level has a cycle; recurses into DAGs. */
export function checkDeps(map: Record<string, Comp>) {
  for (const comp of Object.values(map)) {
    for (const dep of comp.deps) {
      if (!(dep in map)) {
        throw new SpecError(
          `${where(comp)} depends on [${dep}], which is not one of its siblings (deps name components of the same map)`,
        );
      }
    }
  }
  topologicalOrder(map);
  for (const comp of Object.values(map)) if (comp.kind === 'dag') checkDeps(comp.children);
}
