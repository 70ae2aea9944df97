/**
 * The NodeMachine's execution input: the job, plus what its states read in the form they read it. Every
 * JSONPath a state reads is present in every input (a path to a missing field is a `States.Runtime` error that
 * no Catch handles), and flags rather than `IsPresent` checks on the job decide the way: the local
 * interpreter's JSONPath throws (and catches) an error for every missing path, a cost on every node.
 */
import type { JobSpec } from '../engine/run/model.ts';
import type { ParamValue } from '../engine/spec/model.ts';
import type { ContainerPlacement } from '../runtime/ports.ts';
import { CALLBACK_TIMEOUT_SECONDS } from './callback-states.ts';

/** What runs the job: an ECS task, a Lambda function, an HTTP request, or nothing (a wait for a callback). */
export type Executor = 'container' | 'lambda' | 'http' | 'callback';

/** How long a try may last, by executor, when its step sets no `timeout`. */
const DEFAULT_TIMEOUT_SECONDS: Record<Executor, number> = {
  container: 24 * 60 * 60,
  // Lambda's own longest run.
  lambda: 15 * 60,
  // Step Functions' HTTP Task gives up after a minute.
  http: 60,
  callback: CALLBACK_TIMEOUT_SECONDS,
};

/**
 * The placement of a job that runs no ECS task, and of every job locally (the local handler runs the job
 * itself): the input always carries a `container` block, and ExecuteContainer reads it.
 */
export const LOCAL_PLACEMENT: ContainerPlacement = {
  taskDefinition: 'arn:aws:ecs:local:000000000000:task-definition/floe-step:1',
  subnets: [],
  securityGroups: [],
  assignPublicIp: 'DISABLED',
  startedBy: 'floe-local',
};

/** A lambda step's call as ExecuteLambda reads it (`function` is `''` when the step names only a module). */
export interface LambdaInput {
  function: string;
  payload: Record<string, ParamValue>;
}

/** An http step's request as the http states read it: `body` is there exactly when `hasBody` is true. */
export interface HttpInput {
  method: string;
  url: string;
  headers: Record<string, string>;
  hasBody: boolean;
  body?: string;
}

export interface NodeMachineInput {
  job: JobSpec;
  /** Chooses the executor's states (SelectExecutor). */
  executor: Executor;
  /** The job's environment as the `{Name, Value}` list ECS overrides take. */
  envList: { Name: string; Value: string }[];
  /** Where the ECS task runs (LOCAL_PLACEMENT when no task runs, and locally). */
  container: ContainerPlacement;
  /** What the step container's shell runs (`containerCommandOf`); the local runner runs the job itself. */
  containerCommand: string;
  /** Present for a lambda step. */
  lambda?: LambdaInput;
  /** Present for an http step. */
  http?: HttpInput;
  /** Whether the job checks the cache first (only container jobs have results to cache). */
  useCache: boolean;
  /** Seconds one try (or the wait for a callback) may last. */
  timeoutSeconds: number;
  /** The wait before each retry, in seconds; as many as the step may retry. */
  retryDelays: number[];
  maxRetries: number;
  /** The retries made so far (`delay`: the wait before the latest). */
  retry: { count: number; delay?: number };
}

export function executorOf(job: JobSpec): Executor {
  if (job.wait !== undefined) return 'callback';
  if (job.lambda) return 'lambda';
  if (job.http) return 'http';
  return 'container';
}

/** Seconds one try of the job (or its wait for a callback) may last. */
export const timeoutSecondsOf = (job: JobSpec) =>
  job.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS[executorOf(job)];

const httpInput = (http: NonNullable<JobSpec['http']>): HttpInput => ({
  ...http,
  hasBody: http.body !== undefined,
});

const OUTPUT_ARTIFACT_VARIABLE = /^PF_OUTPUT_ARTIFACT_[A-Z0-9_]+$/;

/**
 * The command a step container runs: the job's, after what the local executor does before a job, since ECS
 * has no hook for it: each output artifact emptied and its parent directory made. The paths are the
 * container's own, in the job's `PF_OUTPUT_ARTIFACT_*` variables, so nothing is quoted here; a failure to
 * prepare them fails the job before its command runs.
 */
export function containerCommandOf(job: JobSpec): string {
  const outputs = Object.keys(job.env)
    .filter((name) => OUTPUT_ARTIFACT_VARIABLE.test(name))
    .sort();
  if (outputs.length === 0) return job.command;
  const prepare = outputs.map((name) => `rm -rf "$${name}" && mkdir -p "$(dirname "$${name}")"`).join(' && ');
  return `${prepare} || exit 1\n${job.command}`;
}

/** The execution input of `job`; `placement`: where a container job's ECS task runs (AWS). */
export function toMachineInput(job: JobSpec, placement?: ContainerPlacement): NodeMachineInput {
  const executor = executorOf(job);
  const retryDelays = job.retryDelays ?? [];
  return {
    job,
    executor,
    envList: Object.entries(job.env).map(([Name, Value]) => ({ Name, Value })),
    container: placement ?? LOCAL_PLACEMENT,
    containerCommand: executor === 'container' ? containerCommandOf(job) : '',
    ...(job.lambda ? { lambda: { function: job.lambda.function ?? '', payload: job.lambda.payload } } : {}),
    ...(job.http ? { http: httpInput(job.http) } : {}),
    useCache: job.cache !== undefined && executor === 'container',
    timeoutSeconds: timeoutSecondsOf(job),
    retryDelays,
    maxRetries: retryDelays.length,
    retry: { count: 0 },
  };
}
