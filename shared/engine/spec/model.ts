/**
 * The resolved pipeline model: what the parser hands the engine. Every default is applied, every reference
 * resolved, every name checked; the engine never looks at YAML again.
 */

export type ParamType = 'string' | 'float' | 'int' | 'list' | 'path';

/** A scalar or list parameter value after parsing (PaddleFlow keeps numbers as numbers until run time). */
export type ParamValue = string | number | ParamList;
export type ParamList = (string | number | ParamList)[];

export interface ParamSpec {
  /** Present when the YAML declared a typed dict param (`{type, default}`): overrides are checked against it. */
  type?: ParamType;
  /** The default (or overriding) value; `undefined` only for a dict param without a default. */
  value: ParamValue | undefined;
}

export interface FsMount {
  name: string;
  /** Where the fs appears inside the step; undefined means PaddleFlow's default for the fs. */
  mountPath?: string;
  subPath?: string;
  readOnly: boolean;
}

export interface FsScope {
  name: string;
  /** Comma-separated paths inside the fs; `/` when the YAML gives none. */
  path: string;
}

export interface CacheSpec {
  enable: boolean;
  /** Seconds as a decimal string, `-1` for never (PaddleFlow's wire form). */
  maxExpiredTime: string;
  fsScope: FsScope[];
}

/** A literal list, or one of the component's own parameters / input artifacts to read the list from. */
export type LoopArgument =
  | { kind: 'list'; items: ParamList }
  | { kind: 'parameter'; name: string }
  | { kind: 'artifact'; name: string };

interface ComponentCommon {
  /** The name within its parent. */
  name: string;
  /** The dotted path from the entry-points root (`process.split`); what `disabled` and parameters name. */
  path: string;
  deps: string[];
  parameters: Record<string, ParamSpec>;
  /** Input artifact name → `{{component.artifact}}` (or `""` in a template component). */
  inputArtifacts: Record<string, string>;
  condition?: string;
  loopArgument?: LoopArgument;
  /** The `components` entry this component was built from, when it was a `reference` step. */
  reference?: string;
}

/** Floe: how a failed try is tried again, as Step Functions' Retry (see `retryDelays`). */
export interface RetryPolicy {
  /** Tries after the first (0–10). */
  maxAttempts: number;
  intervalSeconds: number;
  backoffRate: number;
  maxIntervalSeconds?: number;
}

/** Floe: a step that runs no command and waits for a callback (an approval: from one of the approvers). */
export type WaitSpec =
  | { kind: 'callback'; message?: string }
  | { kind: 'approval'; approvers: string[]; message?: string };

/** Floe: a gateway (bamboo's exclusive / conditional-parallel) routes to some of the siblings after it. */
export interface GatewaySpec {
  /** `exclusive` takes one branch; `parallel` every branch whose condition holds. */
  type: 'exclusive' | 'parallel';
  /** Exclusive: `first` takes the first branch that holds; `only` fails unless exactly one holds. */
  mode: 'first' | 'only';
  branches: { target: string; condition: string }[];
  /** The sibling taken when no condition holds (without one, the gateway fails). */
  default?: string;
}

/** Floe: a lambda step (AWS invokes `function`; the local runtime runs `module`'s `handler`). */
export interface LambdaSpec {
  function?: string;
  module?: string;
}

/** Floe: an http step's request, as written (templates in the url, header values and body resolved at run time). */
export interface HttpSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** A string is sent as it is, a map as JSON. */
  body?: string | Record<string, unknown>;
}

export interface StepSpec extends ComponentCommon {
  kind: 'step';
  command: string;
  /** Floe: the command that undoes the step, run when the run fails or is revoked. */
  rollback?: string;
  /** Floe: automatic retries of a failed try, within one attempt. */
  retry?: RetryPolicy;
  /** Floe: seconds a try (or a callback wait) may last. */
  timeoutSeconds?: number;
  /** Floe: a callback or approval step. */
  wait?: WaitSpec;
  /** Floe: a gateway step (no command; decides which of its downstream siblings run). */
  gateway?: GatewaySpec;
  /** Floe: a lambda step (no command: its parameters are the function's payload). */
  lambda?: LambdaSpec;
  /** Floe: an http step (no command: one request). */
  http?: HttpSpec;
  /** The step's image, inheriting the pipeline's `docker_env`. */
  dockerEnv: string;
  env: Record<string, string>;
  outputArtifacts: string[];
  /** The step's effective cache: step settings over the pipeline's (§4.5). */
  cache: CacheSpec;
  extraFs: FsMount[];
}

/**
 * Whether the step runs a container: not a callback or approval step, a gateway, a lambda or an http step.
 * Only a container writes files (its outputs can be cached), has a size and mounts file systems.
 */
export const runsContainer = (step: StepSpec): boolean =>
  !step.wait && !step.gateway && !step.lambda && !step.http;

export interface DagSpec extends ComponentCommon {
  kind: 'dag';
  entryPoints: Record<string, ComponentSpec>;
  /** Output artifact name → `{{child.artifact}}`. */
  outputArtifacts: Record<string, string>;
}

export type ComponentSpec = StepSpec | DagSpec;

export type FailureStrategy = 'fail_fast' | 'continue';

export interface PipelineSpec {
  name: string;
  dockerEnv: string;
  /** The implicit root DAG; its `entryPoints` are the YAML's `entry_points`. */
  entryPoints: Record<string, ComponentSpec>;
  /** At most one step, run after the entry points whatever their outcome. */
  postProcess: Record<string, StepSpec>;
  /** Templates for `reference` steps, as declared (validated, not resolved). */
  components: Record<string, ComponentSpec>;
  /** The pipeline-wide cache settings, as declared (each step carries its effective cache). */
  cache: CacheSpec;
  /** The run-wide parallelism, normalised to 1..20 (≤0 becomes 10). */
  parallelism: number;
  /** Dotted component paths. */
  disabled: string[];
  failureStrategy: FailureStrategy;
  fsOptions: { mainFs?: FsMount; extraFs: FsMount[] };
}
