/**
 * A run as the engine sees it: the pipeline model, the run's context, and one record per component instance
 * (node). `reconcile(state, events, now)` turns state plus events into the next state plus commands; adapters
 * store the state, deliver the events and carry out the commands. Everything here is plain JSON, so it can be
 * stored as it is and compared in tests.
 */
import type { ParamValue, PipelineSpec } from '../spec/model.ts';

/** The statuses PaddleFlow's runs and components share (§4.1). */
type CommonStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'terminating' | 'terminated' | 'skipped';

/** PaddleFlow's run statuses (§4.1). */
export type RunStatus =
  | 'initiating'
  | CommonStatus
  /** Floe: an operator paused the run (no node starts; running nodes finish). Not final. */
  | 'paused';

/** PaddleFlow's component (job and DAG) statuses (§4.1). */
export type NodeStatus =
  | 'init'
  | CommonStatus
  | 'cancelled'
  /**
   * Floe, debug mode: a step that failed and waits for an operator to retry or skip it. Not final, so its
   * downstream waits and nothing fails fast; shown to clients as `failed` (see `publicStatus`).
   */
  | 'halted';

export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'terminated', 'skipped'];
const FINAL_NODE_STATUSES: readonly NodeStatus[] = [
  'succeeded',
  'failed',
  'terminated',
  'cancelled',
  'skipped',
];
export const isFinalRun = (status: RunStatus) => FINAL_RUN_STATUSES.includes(status);
export const isFinalNode = (status: NodeStatus) => FINAL_NODE_STATUSES.includes(status);
/** The status clients see: a halted step is a failed one that may yet be retried or skipped. */
export const publicStatus = (status: NodeStatus): Exclude<NodeStatus, 'halted'> =>
  status === 'halted' ? 'failed' : status;
/** Whether a node's attempt has ended, as clients see it (a halted step has: it failed). */
export const hasEnded = (status: NodeStatus) => isFinalNode(publicStatus(status));

/** A file system as a step sees it (the run's `fsOptions.mainFS` shape, plus the fs id). */
export interface MountView {
  /** `fs-<owner>-<name>`. */
  id: string;
  name: string;
  /** Where the fs appears inside the step: the YAML's mount_path or `/home/paddleflow/storage/mnt/<id>`. */
  mountPath: string;
  subPath: string;
  readOnly: boolean;
  /** An `efs://<file-system-id>/<path>` fs: what a Fargate task mounts (through an access point on `path`). */
  efs?: { fileSystemId: string; path: string };
}

/** What the engine needs to know about the run beyond its pipeline. Fixed at creation. */
export interface RunContext {
  runId: string;
  /** The fs owner the run acts as (`PF_USER_NAME`). */
  userName: string;
  /** The main fs; absent when the pipeline has none (then steps have no working directory of their own). */
  mainFs?: MountView;
  /** Every fs the run names (main fs, the pipeline's and the steps' `extra_fs`): name → id. */
  fsIds: Record<string, string>;
  /**
   * The run's `efs://` file systems, by name: the EFS file system and the fs URL's path, which a mount's
   * sub_path is taken under (`MountView.efs`).
   */
  efs?: Record<string, { fileSystemId: string; path: string }>;
  /**
   * On Fargate: the size of every flavour the run's container steps name (`PF_JOB_FLAVOUR`), by flavour name,
   * fixed at creation so that a later edit of a flavour does not change a running run. Absent locally (steps
   * are processes, with no size).
   */
  sizes?: Record<string, ContainerSize>;
  /**
   * A dry run (seed 003's mock): the DAG is walked, templates, conditions and loops resolved, and every step
   * ends without its command being run (`succeeded` with `mocked`).
   */
  mock?: boolean;
}

/**
 * One component instance. Keys: an entry-point component is `name`, a child `parent.name`, a loop iteration
 * `name[3]` (every iteration of a looped component carries its index, even `[0]`), so `dag1[0].train`.
 * The post-process step is `post:name`; the rollback of step `k` (its `rollback` command, run when the run
 * fails or is revoked) is `rollback:k`.
 */
export interface NodeState {
  key: string;
  /** The key of the DAG instance this node belongs to; `''` for entry points and post-process. */
  parentKey: string;
  /** The component's name within its parent. */
  name: string;
  /** The spec path (`dag1.train`, `post:clean` for post-process): what `disabled` and the spec are keyed by. */
  path: string;
  kind: 'step' | 'dag';
  /** The loop index (0 when not looped). */
  seq: number;
  status: NodeStatus;
  /** 1 for the first attempt; a new attempt (retry) has a new job id and execution name. */
  attempt: number;
  /** `job-<lower(runID-step[-seq])>-<8 hex>` for steps, `dag-<runID>-<16 hex>` for DAGs. */
  id: string;
  /** Resolved parameters (templates substituted, §3.6). */
  parameters: Record<string, ParamValue>;
  /** Input artifact name → fs path(s), comma-joined for looped upstreams. */
  inputArtifacts: Record<string, string>;
  /** Output artifact name → fs path. */
  outputArtifacts: Record<string, string>;
  /** The current loop item (`PF_LOOP_ARGUMENT`), when looped. */
  loopArgument?: ParamValue;
  /** Steps: the resolved command and env (what was, or will be, run). */
  command?: string;
  env?: Record<string, string>;
  dockerEnv?: string;
  /** Why the node ended as it did (PaddleFlow's jobMessage / dag message). */
  message: string;
  /** ISO-8601 times; absent until they happen. `endTime` only for final statuses. */
  createTime: string;
  startTime?: string;
  endTime?: string;
  /** Set when the node's result was copied from a cached job (§4.5). */
  cacheRunId?: string;
  cacheJobId?: string;
  /** A step with the cache enabled: its first fingerprint, computed when it was dispatched. */
  fingerprint?: string;
  /** Kept from an earlier run by retry: never dispatched again. */
  inherited?: boolean;
  /** A dry run's step: resolved and passed without running its command. */
  mocked?: boolean;
  /** A rollback node: the rollback nodes that must end before it starts (those of the steps after its own). */
  rollbackAfter?: string[];
  /** A gateway that decided: the sibling components it took (every other branch target is skipped). */
  route?: string[];
  /** A component skipped because the gateway with this key did not route to it (nor to any of its deps). */
  untaken?: string;
  /** Automatic retries (the step's `retry` policy) this attempt has made so far. */
  retries?: number;
  /** A callback or approval step whose execution waits: the task token that resolves it, and since when. */
  callback?: { token: string; since: string };
  /** What resolved a callback or approval step: who, when, and the data they gave. */
  callbackResult?: CallbackResult;
  /** An http step: the request resolved when it was dispatched (what is, or was, sent). */
  http?: HttpCall;
  /** A lambda or http step that succeeded: what it returned (a non-object result as `{result}`). */
  outputs?: Record<string, unknown>;
  /** A container step whose task ran: its ECS task ARN, where its log is found. */
  taskArn?: string;
  /** Looped components: how many iterations the loop argument gave (set on every iteration). */
  loopCount?: number;
  /** The last operator action that moved this attempt (force-fail, skip), with who and when. */
  operator?: { action: string; user: string; at: string };
  /**
   * An operator's retry with new inputs: parameter values and env entries that replace the resolved ones from
   * this attempt on (kept by later attempts, so a second retry does not undo the first's fix).
   */
  overrides?: { parameters?: Record<string, ParamValue>; env?: Record<string, string> };
  /**
   * A `readArtifacts` the node waits on (status `init`): the contents of its loop argument's artifact (then
   * its component's iterations are created) or of the artifacts its condition names.
   */
  waitingFor?: { purpose: 'loop' | 'condition'; paths: string[]; limit: number };
}

export interface RunState {
  runId: string;
  status: RunStatus;
  /** PaddleFlow's runMsg. */
  message: string;
  /** Set by a forced stop: post_process does not run (or is stopped). */
  stopForce?: boolean;
  activateTime?: string;
  /**
   * Debug mode (seed 003): a failed step halts instead of failing, until an operator retries or skips it, or
   * ends debugging (then every halted step fails and the run fails as usual).
   */
  debug?: boolean;
  /** Keys of steps an operator paused before they start (bamboo's appointment): they wait for a resume. */
  holds?: string[];
  /** Who revoked the run: a revoked run stops like a forced stop, and refuses every later operation. */
  revokedBy?: string;
  /** While the run rolls back (status `terminating`): the final status and message it takes once done. */
  rollingBack?: { status: RunStatus; message: string };
  spec: PipelineSpec;
  context: RunContext;
  nodes: Record<string, NodeState>;
}

/** The run fields `reconcile` may change (the rest of a run state is fixed at creation). */
export const RUN_STATE_FIELDS = [
  'status',
  'message',
  'stopForce',
  'activateTime',
  'debug',
  'holds',
  'revokedBy',
  'rollingBack',
] as const satisfies readonly (keyof RunState)[];

/** What reaches a run's mailbox. Every event is idempotent: applied twice, it changes nothing the second time. */
export type RunEvent =
  /** Begin the run, or — after a restart or a lost message — re-derive and re-issue every pending command. */
  | { type: 'resume' }
  /** The node's execution began running its job. */
  | { type: 'started'; key: string; attempt: number; at: string }
  /** The node's execution ended. `failed` carries PaddleFlow's job message. */
  | {
      type: 'finished';
      key: string;
      attempt: number;
      status: 'succeeded' | 'failed' | 'terminated';
      message?: string;
      at: string;
      /** The cache check found this job's result in an earlier one, which did not run again (§4.5). */
      cached?: CachedResult;
      /** A callback or approval step: what resolved it. */
      callback?: CallbackResult;
      /** A lambda or http step that succeeded: what it returned (any JSON value). */
      outputs?: unknown;
      /** A container step: the ECS task that ran it (`''` when none did). */
      taskArn?: string;
    }
  /** A callback or approval step's execution waits for its task token to be resolved. */
  | { type: 'waiting'; key: string; attempt: number; token: string; at: string }
  /** A try failed and the step's retry policy tries again (`retry` counts from 1). */
  | { type: 'retrying'; key: string; attempt: number; retry: number; message: string; at: string }
  /** Answer to a `readArtifacts` command: file contents by fs path (`null` when unreadable, with the reason). */
  | { type: 'artifactsRead'; key: string; contents: Record<string, string | null>; error?: string }
  /** PUT ?action=stop. */
  | { type: 'stop'; force: boolean }
  /** An operator's action (control.ts), accepted by the API against the state it will apply to. */
  | ControlEvent
  /** Nothing to apply: wakes the consumer to read the requests recorded on the run. */
  | { type: 'wake' };

/** What an operator may do to a run or to one of its nodes (reference/bamboo.md §4, seed 003). */
export type ControlOperation =
  | { op: 'pause' }
  | { op: 'resume' }
  | { op: 'revoke' }
  /** Leave debug mode: halted steps fail, and the run fails as it would have (seed 003's `resume`). */
  | { op: 'endDebug' }
  | { op: 'pauseNode'; key: string }
  | { op: 'resumeNode'; key: string }
  | {
      op: 'retryNode';
      key: string;
      parameters?: Record<string, ParamValue>;
      env?: Record<string, string>;
    }
  /**
   * `outputs`: output artifact name → fs path a downstream step reads instead (none by default). `flows`:
   * for a gateway, the branch targets to take (bamboo's skip_exg / skip_cpg).
   */
  | { op: 'skipNode'; key: string; outputs?: Record<string, string>; flows?: string[] }
  | { op: 'forceFail'; key: string; message?: string };

export interface ControlEvent {
  type: 'control';
  /** Unique per request: what the API answers about. */
  id: string;
  user: string;
  at: string;
  operation: ControlOperation;
}

/** One ended attempt of a node, as the history shows it (bamboo's get_activity_histories). */
export interface AttemptRecord {
  key: string;
  attempt: number;
  jobId: string;
  status: NodeStatus;
  message: string;
  parameters: Record<string, ParamValue>;
  command?: string;
  env?: Record<string, string>;
  inputArtifacts: Record<string, string>;
  outputArtifacts: Record<string, string>;
  loopArgument?: ParamValue;
  seq: number;
  startTime?: string;
  endTime?: string;
  operator?: NodeState['operator'];
  /** A lambda or http step's outputs. */
  outputs?: Record<string, unknown>;
  /** Why it was archived: the operator action that began the next attempt. */
  endedBy: { action: string; user: string; at: string };
}

/** Who resolved a callback or approval step, when, how, and with what data. */
export interface CallbackResult {
  user: string;
  at: string;
  decision: 'succeeded' | 'failed';
  message?: string;
  data?: Record<string, unknown>;
}

/** An earlier job whose result a cache hit takes: its run, its id, its outputs' fs paths. */
export interface CachedResult {
  runId: string;
  jobId: string;
  outputArtifacts: Record<string, string>;
}

/** What the cache check (§4.5) of a job with the cache enabled needs besides the job itself. */
export interface JobCache {
  /** SHA-256 of the job as the cache sees it (see fingerprint.ts). */
  firstFp: string;
  /** The run's main fs (`''` without one): a cached result is only shared on the same fs. */
  mainFsId: string;
  /** Seconds a cached result stays valid, `-1` for ever. */
  maxExpiredTime: string;
  /** Input artifact name → fs path(s) on the main fs, comma-joined: their modification times count. */
  inputArtifacts: Record<string, string>;
  /** `fs_scope`: fs id and comma-separated paths whose modification times count. */
  fsScope: { fsId: string; path: string }[];
}

/** A job as an executor runs it: everything resolved, nothing left to the executor to decide. */
export interface JobSpec {
  runId: string;
  key: string;
  attempt: number;
  jobId: string;
  /** `<runID>-<step>[-<seq>]` (PaddleFlow's job name, before the id's hex suffix). */
  jobName: string;
  stepName: string;
  command: string;
  dockerEnv: string;
  /** The full environment: user env, system variables, `PF_INPUT_ARTIFACT_*`, `PF_OUTPUT_ARTIFACT_*`. */
  env: Record<string, string>;
  /** The working directory inside the step (the main fs mount path), or absent for `PF_MOUNT_PATH: NONE`. */
  workDir?: string;
  /** Every fs the step sees: the main fs first, then the pipeline's and the step's extra_fs. */
  mounts: MountView[];
  /** Output artifacts' fs paths (on the main fs): emptied and their parent directory created before the job. */
  outputPaths: string[];
  /** Present when the step's cache is enabled: the execution checks the cache before running the job. */
  cache?: JobCache;
  /** A callback or approval step: the execution runs nothing and waits for its task token. */
  wait?: 'callback' | 'approval';
  /** Seconds one try (or the wait) may last; the NodeMachine's default when absent. */
  timeoutSeconds?: number;
  /** The step's retry policy as the waits before each retry, in whole seconds (one per retry). */
  retryDelays?: number[];
  /** A lambda step: the call instead of a container (the step's resolved parameters are the payload). */
  lambda?: LambdaCall;
  /** An http step: the request instead of a container (templates resolved). */
  http?: HttpCall;
  /** A container step's Fargate size, from its flavour (`PF_JOB_FLAVOUR`); absent: the smallest size. */
  size?: ContainerSize;
}

/** A lambda step's call. AWS invokes `function`; the local runtime runs `module`'s exported `handler`. */
export interface LambdaCall {
  /** A function name or ARN (AWS). */
  function?: string;
  /** A JavaScript module path, absolute or relative to the step's working directory (local runtime). */
  module?: string;
  payload: Record<string, ParamValue>;
}

/** An http step's request. */
export interface HttpCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Absent: no body. */
  body?: string;
}

/** A Fargate task size: CPU units (1,024 = 1 vCPU) and memory in MiB, a pair Fargate accepts. */
export interface ContainerSize {
  cpu: number;
  memory: number;
}

export type RunCommand =
  /** Start the node's execution (named `<run>.<key>.<attempt>`, so doing it twice is harmless). */
  | { type: 'dispatch'; job: JobSpec }
  /** Stop a running node's job; its execution then reports `finished` with `terminated`. */
  | { type: 'kill'; key: string; attempt: number }
  /**
   * Read these fs paths of the main fs (conditions read ≤ 1 KB, loop arguments ≤ 1 MB) and answer with an
   * `artifactsRead` event for the node.
   */
  | { type: 'readArtifacts'; key: string; paths: string[]; limit: number }
  /**
   * Record artifact events (§4.9): a step's inputs when it starts, its outputs when it succeeds (a cache hit
   * included). Name → fs path(s). Idempotent: recording the same job's artifact twice keeps one event.
   */
  | {
      type: 'recordArtifacts';
      key: string;
      jobId: string;
      step: string;
      kind: 'input' | 'output';
      artifacts: Record<string, string>;
    }
  /** Keep an ended attempt in the node's history (idempotent: one record per key and attempt). */
  | { type: 'recordAttempt'; record: AttemptRecord };

export interface ReconcileResult {
  state: RunState;
  commands: RunCommand[];
  /** Control events refused (the state moved on since the API accepted them): id → why. */
  refused: Record<string, Refusal>;
}

/** Why an operator's action was refused: the run or node is in the wrong state, or the request is wrong. */
export interface Refusal {
  kind: 'state' | 'input';
  message: string;
}
