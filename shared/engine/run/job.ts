/**
 * A step's job, resolved to the last character (§3.5, §3.6; PaddleFlow's `updateJob`): the command with
 * system variables, parameters and artifacts' container paths; the env with the user's values resolved plus
 * the system variables and one variable per artifact; the mounts and working directory.
 */
import { type PipelineSpec, type RetryPolicy, runsContainer, type StepSpec } from '../spec/model.ts';
import { lambdaCallOf, resolveHttpCall } from './calls.ts';
import type { Draft } from './draft.ts';
import { stepSize } from './fargate-size.ts';
import { firstFingerprint, jobCacheOf } from './fingerprint.ts';
import { jobName } from './ids.ts';
import type { ContainerSize, JobSpec, NodeState, RunContext } from './model.ts';
import { containerPaths, mountsOf, outputFsPath, workDirOf } from './paths.ts';
import { ownLookup, substitute, systemVariables } from './resolve.ts';
import { stepSpecOf } from './tree.ts';

/** What dispatching a node stores on it: the outputs' fs paths, the command, the env and the image. */
export function prepareJob(draft: Draft, node: NodeState, step: StepSpec) {
  const { spec, context } = draft;
  const outputArtifacts = Object.fromEntries(
    step.outputArtifacts.map((name) => [name, outputFsPath(spec, context, node, name)]),
  );
  const withOutputs = { ...node, outputArtifacts };
  // env sees system variables and parameters only (PaddleFlow rejects artifacts there).
  const envLookup = ownLookup(draft, withOutputs, () => undefined);
  const userEnv = {
    ...Object.fromEntries(
      Object.entries(step.env).map(([name, value]) => [
        name,
        substitute(value, envLookup, `env [${name}] of [${node.key}]`),
      ]),
    ),
    // An operator's retry with new env: taken as given (system variables still come last, below).
    ...node.overrides?.env,
  };
  const artifactPath = (name: string) => {
    const paths = node.inputArtifacts[name] ?? outputArtifacts[name];
    return paths === undefined ? undefined : containerPaths(context, paths);
  };
  const where = `the command of [${node.key}]`;
  const command = substitute(step.command, ownLookup(draft, withOutputs, artifactPath), where);
  const env: Record<string, string> = {
    ...userEnv,
    ...systemVariables(draft, node.name, node.loopArgument),
  };
  const http = step.http && resolveHttpCall(step.http, ownLookup(draft, withOutputs, artifactPath), node.key);
  let fingerprint: string | undefined;
  // Only a container writes files: a callback, approval, lambda or http step has no result to cache.
  if (step.cache.enable && runsContainer(step)) {
    // The cache's view of the command: output templates as written, so the key does not name this run.
    const literalOutputs = (name: string) => (name in outputArtifacts ? `{{${name}}}` : artifactPath(name));
    const cacheCommand = substitute(step.command, ownLookup(draft, withOutputs, literalOutputs), where);
    fingerprint = firstFingerprint(draft, withOutputs, step, cacheCommand, env);
  }
  for (const [name, paths] of Object.entries(node.inputArtifacts))
    env[`PF_INPUT_ARTIFACT_${name.toUpperCase()}`] = containerPaths(context, paths);
  for (const [name, path] of Object.entries(outputArtifacts))
    env[`PF_OUTPUT_ARTIFACT_${name.toUpperCase()}`] = containerPaths(context, path);
  // PaddleFlow's job builder: `null` means a command without a working directory.
  env.PF_WORK_DIR = workDirOf(mountsOf(spec, context, step), userEnv) ?? 'null';
  return {
    outputArtifacts,
    command,
    env,
    dockerEnv: step.dockerEnv,
    ...(http ? { http } : {}),
    ...(fingerprint === undefined ? {} : { fingerprint }),
  };
}

/** The job of a dispatched node, rebuilt from what it stores (so a resume re-issues the very same job). */
export function jobSpecOf(
  state: { spec: PipelineSpec; context: RunContext; runId: string },
  node: NodeState,
): JobSpec {
  const step = stepSpecOf(state.spec, node);
  const env = node.env ?? {};
  const mounts = mountsOf(state.spec, state.context, step);
  const workDir = workDirOf(mounts, env);
  return {
    runId: state.runId,
    key: node.key,
    attempt: node.attempt,
    jobId: node.id,
    jobName: jobName(state.runId, node.name, node.seq),
    stepName: node.name,
    command: node.command ?? '',
    dockerEnv: node.dockerEnv ?? step.dockerEnv,
    env,
    ...(workDir === undefined ? {} : { workDir }),
    mounts,
    outputPaths: step.outputArtifacts
      .map((name) => node.outputArtifacts[name])
      .filter((path): path is string => path !== undefined),
    ...(node.fingerprint === undefined
      ? {}
      : { cache: jobCacheOf(state.context, node, step, node.fingerprint) }),
    ...(step.wait ? { wait: step.wait.kind } : {}),
    ...(step.timeoutSeconds === undefined ? {} : { timeoutSeconds: step.timeoutSeconds }),
    ...(step.retry && step.retry.maxAttempts > 0 ? { retryDelays: retryDelays(step.retry) } : {}),
    ...(step.lambda ? { lambda: lambdaCallOf(step, node) } : {}),
    ...(node.http ? { http: node.http } : {}),
    // From the env the node runs with; an operator's retry may name a flavour the run has no size for (then
    // none: the smallest size).
    ...optionalSize(stepSize(state.context, step, env)),
  };
}

const optionalSize = (size: ContainerSize | undefined) => (size ? { size } : {});

/** The longest wait before a retry: a day (a Wait state refuses huge values; a backoff of 10 gets there fast). */
const MAX_RETRY_WAIT_SECONDS = 24 * 60 * 60;

/**
 * The wait before each retry, as Step Functions' Retry computes it (interval × backoff^n, capped by
 * `max_interval` and by a day), rounded up to whole seconds because a Wait state takes whole seconds.
 */
export function retryDelays(policy: RetryPolicy): number[] {
  const cap = Math.min(policy.maxIntervalSeconds ?? MAX_RETRY_WAIT_SECONDS, MAX_RETRY_WAIT_SECONDS);
  return Array.from({ length: policy.maxAttempts }, (_, retry) =>
    Math.ceil(Math.min(policy.intervalSeconds * policy.backoffRate ** retry, cap)),
  );
}
