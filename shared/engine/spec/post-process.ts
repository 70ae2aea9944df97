/** `post_process` (§3.4): at most one step, independent of the entry points, run after them whatever happens. */
import { SpecError } from './errors.ts';
import { resolveReference } from './references.ts';
import type { Tree } from './structure.ts';
import { templatesIn } from './templates.ts';
import { where } from './walk.ts';

export function checkPostProcess(tree: Tree) {
  const steps = Object.values(tree.postProcess);
  if (steps.length > 1) {
    throw new SpecError(
      `post_process has ${steps.length} steps [${steps.map((s) => s.name).join(', ')}]; it may have one`,
    );
  }
  for (const step of steps) {
    const at = where(step);
    if (step.name in tree.entryPoints) {
      throw new SpecError(
        `${at} has the name of a component in entry_points; post_process names must differ`,
      );
    }
    const texts = [
      ...Object.values(step.parameters).filter((value): value is string => typeof value === 'string'),
      ...Object.values(step.env),
      step.command ?? '',
    ];
    const upstream = texts.flatMap(templatesIn).find((ref) => ref.component !== undefined);
    if (upstream) {
      throw new SpecError(
        `${at} uses ${upstream.text}; a post_process step cannot use other components' values`,
      );
    }
    const forbidden: [boolean, string][] = [
      [step.deps.length > 0, 'deps'],
      [Object.keys(step.inputArtifacts).length > 0, 'input artifacts'],
      [step.cache?.enable === true, 'cache enabled'],
      [step.condition !== undefined, 'a condition'],
      [step.loopArgument !== undefined, 'a loop_argument'],
    ];
    const found = forbidden.find(([present]) => present);
    if (found) throw new SpecError(`${at} has ${found[1]}, which a post_process step cannot have`);
    if (resolveReference(step, tree.components).kind !== 'step') {
      throw new SpecError(`${at} refers to a dag; post_process must be a step`);
    }
  }
}
