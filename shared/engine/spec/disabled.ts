/**
 * `disabled` (§3.4): dotted names of entry-point or post-process components to skip. A disabled component
 * must not feed a component that still runs (parameters or input artifacts of a dependent sibling), nor its
 * parent DAG's outputs, unless that consumer is disabled too.
 */
import { SpecError } from './errors.ts';
import type { Tree } from './structure.ts';
import { exactUpstream, templatesIn } from './templates.ts';
import { locate } from './walk.ts';

const refersTo = (value: string, name: string) => templatesIn(value).some((ref) => ref.component === name);

export function checkDisabled(tree: Tree, disabled: string[]) {
  const set = new Set<string>();
  for (const path of disabled) {
    if (set.has(path)) throw new SpecError(`disabled names component [${path}] twice`);
    set.add(path);
  }
  for (const path of disabled) {
    const found = locate(tree.entryPoints, path) ?? locate(tree.postProcess, path);
    if (!found)
      throw new SpecError(`disabled component [${path}] does not exist in entry_points or post_process`);
    const { comp, siblings } = found;
    const parentPath = path.split('.').slice(0, -1).join('.');
    for (const sibling of Object.values(siblings)) {
      const siblingPath = parentPath ? `${parentPath}.${sibling.name}` : sibling.name;
      if (sibling === comp || set.has(siblingPath) || !sibling.deps.includes(comp.name)) continue;
      const values = [
        ...Object.values(sibling.inputArtifacts),
        ...Object.values(sibling.parameters).filter((value): value is string => typeof value === 'string'),
      ];
      if (values.some((value) => refersTo(value, comp.name))) {
        throw new SpecError(
          `disabled component [${path}] is used by [${siblingPath}], which still runs: disable it too, or stop using its values`,
        );
      }
    }
    if (parentPath && !set.has(parentPath)) {
      const parent = locate(tree.entryPoints, parentPath)?.comp;
      const feeds = Object.values(parent?.outputArtifacts ?? {}).some(
        (value) => exactUpstream(value)?.component === comp.name,
      );
      if (feeds) {
        throw new SpecError(
          `disabled component [${path}] feeds the output artifacts of its dag [${parentPath}], which still runs`,
        );
      }
    }
  }
}
