/**
 * `components` and `reference` (§3.4): templates reused by reference steps. References may chain; a cycle,
 * through reference chains or through a template DAG that contains a reference back to itself, is refused.
 */
import { SpecError } from './errors.ts';
import { checkDictValue, isDictParam } from './params.ts';
import type { Comp, Tree } from './structure.ts';
import { walk, where } from './walk.ts';

/** The template a reference step stands for, after following the chain; the component itself otherwise. */
export function resolveReference(comp: Comp, components: Record<string, Comp>): Comp {
  let current = comp;
  const seen: string[] = [];
  while (current.reference !== undefined) {
    const target = components[current.reference];
    if (!target) {
      throw new SpecError(`${where(current)} refers to [${current.reference}], which is not in components`);
    }
    if (seen.includes(target.name)) {
      throw new SpecError(`components refer to each other in a cycle: ${[...seen, target.name].join(' → ')}`);
    }
    seen.push(target.name);
    current = target;
  }
  return current;
}

/** Top-level templates have no deps, every reference resolves, and no template contains itself. */
export function checkComponentTemplates(tree: Tree) {
  for (const comp of Object.values(tree.components)) {
    if (comp.deps.length > 0) {
      throw new SpecError(
        `${where(comp)} has deps, but top-level components cannot: deps belong to the steps using them`,
      );
    }
  }
  const visit = (comp: Comp, stack: string[]) => {
    if (comp.kind === 'dag') {
      for (const child of Object.values(comp.children)) visit(child, stack);
      return;
    }
    if (comp.reference === undefined) return;
    const target = tree.components[comp.reference];
    if (!target)
      throw new SpecError(`${where(comp)} refers to [${comp.reference}], which is not in components`);
    if (stack.includes(target.name)) {
      throw new SpecError(
        `components refer to each other in a cycle: ${[...stack, target.name].join(' → ')}`,
      );
    }
    visit(target, [...stack, target.name]);
  };
  for (const [name, comp] of Object.entries(tree.components)) visit(comp, [name]);
  for (const section of [tree.entryPoints, tree.postProcess]) {
    for (const { comp } of walk(section)) resolveReference(comp, tree.components);
  }
}

/** What a reference step may say besides naming its template. */
const REFERENCE_STEP_KEYS = new Set(['deps', 'parameters', 'artifacts', 'reference', 'name', 'type']);

/** A reference step sets only deps, parameters (a typed subset of its template's) and exactly its inputs. */
export function checkReferenceStep(comp: Comp, components: Record<string, Comp>) {
  if (comp.reference === undefined) return;
  const extra = [...comp.keys].filter((key) => !REFERENCE_STEP_KEYS.has(key));
  if (extra.length > 0 || Object.keys(comp.outputArtifacts).length > 0) {
    const named = extra.length > 0 ? extra.join(', ') : 'artifacts.output';
    throw new SpecError(
      `${where(comp)} uses reference, so it may only set deps, parameters, artifacts.input and reference, not [${named}]`,
    );
  }
  const template = components[comp.reference];
  if (!template)
    throw new SpecError(`${where(comp)} refers to [${comp.reference}], which is not in components`);
  for (const [name, value] of Object.entries(comp.parameters)) {
    if (!(name in template.parameters)) {
      throw new SpecError(
        `${where(comp)} sets parameter [${name}], which its component [${template.name}] does not have`,
      );
    }
    const declared = template.parameters[name];
    if (isDictParam(declared) && !isDictParam(value)) {
      checkDictValue(declared, value, `parameter [${name}] of ${where(comp)}`);
    }
  }
  const given = Object.keys(comp.inputArtifacts).sort();
  const wanted = Object.keys(template.inputArtifacts).sort();
  if (given.join(',') !== wanted.join(',')) {
    throw new SpecError(
      `${where(comp)} must give exactly the input artifacts of its component [${template.name}]: [${wanted.join(', ')}], not [${given.join(', ')}]`,
    );
  }
}
