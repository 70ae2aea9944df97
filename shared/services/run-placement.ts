/**
 * What run creation decides about where a run's steps run, against the executor profile
 * (runtime/executor-profile.ts), so that a run the executor cannot carry out is refused before anything is
 * stored (400 InvalidArguments), never failed halfway:
 *
 * - every fs a container step mounts must be one steps here can mount: the main fs (every step's working
 *   directory, and where artifacts live, which the engine reads too), the pipeline's `extra_fs` (when some
 *   container step runs), and each container step's own `extra_fs`;
 * - on Fargate, every flavour a container step names (`PF_JOB_FLAVOUR`, after the run-level defaults) must
 *   exist and fit a Fargate task; the run keeps each one's size (`RunContext.sizes`), so that a later edit of
 *   a flavour does not change it. A step without a flavour runs with the smallest size (0.25 vCPU, 512 MiB).
 *
 * - lambda and http steps must be callable here: locally a lambda step needs its `module`; in AWS its
 *   `function`, named with the step prefix the NodeMachine may invoke, and an http step an https:// url.
 *
 * Steps that run no container (callback, approval, gateway, lambda, http) need no size and mount nothing;
 * disabled components never run, so they are not checked either.
 */
import type { ContainerSize, RunContext } from '../engine/run/model.ts';
import { type ComponentSpec, type PipelineSpec, runsContainer, type StepSpec } from '../engine/spec/model.ts';
import { PfError } from '../errors.ts';
import type { ExecutorProfile } from '../runtime/executor-profile.ts';
import type { FileSystemRecord } from '../store/filesystems.ts';
import type { FlavourCatalogue } from './flavours.ts';

/**
 * Every step that may run, in the YAML's order (entry points, then post-process): not disabled, not under a
 * disabled DAG.
 */
function enabledSteps(spec: PipelineSpec): StepSpec[] {
  const disabled = new Set(spec.disabled);
  const steps: StepSpec[] = [];
  const visit = (components: Record<string, ComponentSpec>) => {
    for (const comp of Object.values(components)) {
      if (disabled.has(comp.path)) continue;
      if (comp.kind === 'dag') visit(comp.entryPoints);
      else steps.push(comp);
    }
  };
  visit(spec.entryPoints);
  for (const step of Object.values(spec.postProcess)) if (!disabled.has(step.name)) steps.push(step);
  return steps;
}

/** Every step that may run a container: enabled, and not of a kind that runs none. */
export const containerSteps = (spec: PipelineSpec): StepSpec[] => enabledSteps(spec).filter(runsContainer);

/** The names of the file systems container steps mount. */
function mountedNames(spec: PipelineSpec, steps: StepSpec[]): Set<string> {
  const names = new Set<string>();
  const mainFs = spec.fsOptions.mainFs;
  if (mainFs) names.add(mainFs.name);
  if (steps.length > 0) for (const mount of spec.fsOptions.extraFs) names.add(mount.name);
  for (const step of steps) for (const mount of step.extraFs) names.add(mount.name);
  return names;
}

/** `fileSystems`: every fs the run names, by name, resolved (existing, usable by the run's owner). */
export async function placeRun(
  spec: PipelineSpec,
  fileSystems: ReadonlyMap<string, FileSystemRecord>,
  profile: ExecutorProfile,
  flavours: FlavourCatalogue,
): Promise<Pick<RunContext, 'efs' | 'sizes'>> {
  for (const step of enabledSteps(spec)) {
    const refusal = (step.lambda || step.http) && profile.callRefusal(step);
    if (refusal) throw new PfError('InvalidArguments', refusal);
  }
  const steps = containerSteps(spec);
  for (const name of mountedNames(spec, steps)) {
    const fs = fileSystems.get(name);
    const refusal = fs && profile.mountRefusal(fs);
    if (refusal) throw new PfError('InvalidArguments', refusal);
  }
  const efs: NonNullable<RunContext['efs']> = {};
  for (const [name, fs] of fileSystems) {
    if (fs.type === 'efs') efs[name] = { fileSystemId: fs.serverAddress, path: fs.subPath };
  }
  const sizes = profile.sizeOf ? await sizeFlavours(steps, profile.sizeOf, flavours) : undefined;
  return {
    ...(Object.keys(efs).length > 0 ? { efs } : {}),
    ...(sizes ? { sizes } : {}),
  };
}

async function sizeFlavours(
  steps: StepSpec[],
  sizeOf: NonNullable<ExecutorProfile['sizeOf']>,
  flavours: FlavourCatalogue,
): Promise<Record<string, ContainerSize>> {
  const sizes: Record<string, ContainerSize> = {};
  for (const step of steps) {
    const name = step.env.PF_JOB_FLAVOUR;
    if (!name || Object.hasOwn(sizes, name)) continue;
    const refused = (why: string) =>
      new PfError('InvalidArguments', `flavour[${name}] of step[${step.path}] ${why}`);
    if (name.includes('{{')) {
      throw refused(
        'is a template: on Fargate the size of a step is decided when the run is created, so its flavour must be a name',
      );
    }
    const flavour = await flavours.get(name);
    if (!flavour) throw refused('does not exist');
    const sizing = sizeOf(flavour);
    if ('refusal' in sizing) throw refused(`cannot run on Fargate: ${sizing.refusal}`);
    sizes[name] = sizing.size;
  }
  return sizes;
}
