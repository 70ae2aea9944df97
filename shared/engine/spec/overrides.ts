/**
 * A run's `parameters` (§3.4, last rule): `step.param` (or `dag.child.param`) replaces that parameter of that
 * component and must exist there; a plain `param` replaces it in every entry-point and post-process component
 * that has it and must exist somewhere. Typed params check the new value. Unlike PaddleFlow, a plain name also
 * reaches reference steps whose template declares it, since those steps run with the template's parameters.
 */
import { SpecError } from './errors.ts';
import { checkDictValue, isDictParam } from './params.ts';
import { resolveReference } from './references.ts';
import type { Comp, Tree } from './structure.ts';
import { locate, walk, where } from './walk.ts';

/** The parameters a component runs with: a reference step's come from its template. */
function declaredParameter(comp: Comp, name: string, tree: Tree): { found: boolean; declared?: unknown } {
  if (name in comp.parameters) return { found: true, declared: comp.parameters[name] };
  const template = resolveReference(comp, tree.components);
  if (template !== comp && name in template.parameters)
    return { found: true, declared: template.parameters[name] };
  return { found: false };
}

function replace(comp: Comp, name: string, value: unknown, tree: Tree): boolean {
  const { found, declared } = declaredParameter(comp, name, tree);
  if (!found) return false;
  if (isDictParam(declared)) {
    checkDictValue(declared, value, `run parameter [${name}] for ${where(comp)}`);
    comp.parameters[name] = { type: declared.type, default: value } as never;
  } else {
    comp.parameters[name] = value as never;
  }
  return true;
}

export function applyRunParameters(tree: Tree, parameters: Record<string, unknown>) {
  for (const [key, value] of Object.entries(parameters)) {
    const parts = key.split('.');
    const name = parts.pop()!;
    if (parts.length > 0) {
      const path = parts.join('.');
      const comp = (locate(tree.entryPoints, path) ?? locate(tree.postProcess, path))?.comp;
      if (!comp)
        throw new SpecError(`run parameter [${key}] names component [${path}], which does not exist`);
      if (!replace(comp, name, value, tree)) {
        throw new SpecError(`run parameter [${key}]: ${where(comp)} has no parameter [${name}]`);
      }
      continue;
    }
    let replaced = false;
    for (const section of [tree.entryPoints, tree.postProcess]) {
      for (const { comp } of walk(section)) replaced = replace(comp, name, value, tree) || replaced;
    }
    if (!replaced) throw new SpecError(`run parameter [${key}] is not a parameter of any component`);
  }
}
