/**
 * The run cache's first fingerprint (§4.5; PaddleFlow's `conservativeFirstCacheKey`): what a step would do,
 * without what only this run makes it do. The command keeps its output-artifact templates literal (their
 * paths name the run), the env drops the per-run system variables, and outputs count by name only. Two steps
 * with the same fingerprint on the same fs and source may share a result once the second fingerprint (the
 * inputs' modification times, read by the cache check outside the engine) agrees too.
 */
import { formatGoValue } from '../format.ts';
import type { StepSpec } from '../spec/model.ts';
import type { Draft } from './draft.ts';
import { sha256Hex } from './ids.ts';
import type { JobCache, NodeState, RunContext } from './model.ts';

/** System variables that differ between runs of the same step: PaddleFlow leaves them out of the key. */
const PER_RUN_ENV = new Set(['PF_RUN_ID', 'PF_STEP_NAME', 'PF_USER_NAME', 'PF_LOOP_ARGUMENT']);

/** Go's `json.Marshal` of a map: keys sorted; `omitempty` drops an empty map altogether. */
const sortedMap = (map: Record<string, string>) =>
  Object.fromEntries(
    Object.keys(map)
      .sort()
      .map((name) => [name, map[name]]),
  );
const omitEmpty = (map: Record<string, string>) =>
  Object.keys(map).length === 0 ? undefined : sortedMap(map);

/**
 * The cache key of a step about to be dispatched. `command` is resolved with its output-artifact templates
 * left as written (`{{model}}`, not a path that names this run); `env` is the resolved env (user values and
 * system variables, before the artifact variables are added).
 */
export function firstFingerprint(
  draft: Draft,
  node: NodeState,
  step: StepSpec,
  command: string,
  env: Record<string, string>,
): string {
  const key = {
    DockerEnv: step.dockerEnv,
    Command: command,
    Env: omitEmpty(Object.fromEntries(Object.entries(env).filter(([name]) => !PER_RUN_ENV.has(name)))),
    Parameters: omitEmpty(
      Object.fromEntries(
        Object.entries(node.parameters).map(([name, value]) => [name, formatGoValue(value)]),
      ),
    ),
    InputArtifacts: omitEmpty(node.inputArtifacts),
    OutputArtifacts: omitEmpty(Object.fromEntries(step.outputArtifacts.map((name) => [name, '']))),
    MainFS: draft.context.mainFs ?? null,
    ExtraFS: step.extraFs.map((mount) => ({ ...mount, id: draft.context.fsIds[mount.name] ?? '' })),
  };
  return sha256Hex(JSON.stringify(key));
}

/** What the cache check needs beyond the job: the fingerprint, the expiry and what to read times of. */
export function jobCacheOf(context: RunContext, node: NodeState, step: StepSpec, firstFp: string): JobCache {
  return {
    firstFp,
    mainFsId: context.mainFs?.id ?? '',
    maxExpiredTime: step.cache.maxExpiredTime,
    inputArtifacts: node.inputArtifacts,
    // `fsIds` holds every fs the run names, the main fs included.
    fsScope: step.cache.fsScope.map((scope) => ({ fsId: context.fsIds[scope.name] ?? '', path: scope.path })),
  };
}
