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

/** The component at a dotted path of a map, with the map holding it. */
export function locate(
  map: Record<string, Comp>,
  path: string,
): { comp: Comp; siblings: Record<string, Comp> } | null {
  const [first, ...rest] = path.split('.');
  const comp = map[first!];
  if (!comp) return null;
  if (rest.length === 0) return { comp, siblings: map };
  return comp.kind === 'dag' ? locate(comp.children, rest.join('.')) : null;
}

export const where = (comp: Comp) =>
  `${comp.kind} [${comp.path}]${comp.section === 'entry_points' ? '' : ` in ${comp.section}`}`;
