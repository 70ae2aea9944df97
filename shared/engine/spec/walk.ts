import type { Comp } from './structure.ts';

/** A component with the map it sits in (its siblings) and the DAG holding it, if any. */
export interface Located {
  comp: Comp;
  siblings: Record<string, Comp>;
  parent?: Comp;
}

/** Every component of a map, depth first, parents before their children. */
export function* walk(map: Record<string, Comp>, parent?: Comp): Generator<Located> {
  for (const comp of Object.values(map)) {
    yield { comp, siblings: map, parent };
    if (comp.kind === 'dag') yield* walk(comp.children, comp);
  }
}

export const where = (comp: Comp) =>
  `${comp.kind} [${comp.path}]${comp.section === 'entry_points' ? '' : ` in ${comp.section}`}`;
