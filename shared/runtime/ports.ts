/**
 * The ports the run engine's adapters talk through. Each has an AWS implementation (Step Functions, SQS FIFO,
 * CloudWatch Logs) and a local one (the local interpreter, an in-process per-run queue, files on disk).
 */
import type { JobSpec, RunEvent } from '../engine/run/model.ts';
import type { CallbackResolution } from '../machines/callback-states.ts';

/** Starts and stops node executions of the NodeMachine. */
export interface Dispatcher {
  /** Start the job's execution, named `executionName(job)`; a second call for the same attempt does nothing. */
  dispatch(job: JobSpec): Promise<void>;
  /** Stop the attempt's execution and its job; the execution then reports `finished` with `terminated`. */
  kill(runId: string, key: string, attempt: number): Promise<void>;
}

/** Carries events to a run's consumer, one run's events in order, one at a time. */
export interface Mailbox {
  post(runId: string, event: RunEvent): Promise<void>;
}

/** One job's log, as text lines (stdout and stderr interleaved as they were written). */
export interface LogStore {
  /**
   * The job's log text, or null when the job has written none (yet). `taskArn`: the job's ECS task when the
   * run knows it (its execution reported it when the container stopped); without it the AWS store finds a
   * running or recently stopped task by its `startedBy`.
   */
  read(runId: string, jobId: string, taskArn?: string): Promise<string | null>;
}

/** Where a container step's ECS task runs and as what (the NodeMachine's RunTask parameters). */
export interface ContainerPlacement {
  /** The task definition ARN for the job's image, size and volumes (registered on first use). */
  taskDefinition: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
  /** ECS `startedBy` (≤ 36 characters, from the job id): how the log reader finds a running job's task. */
  startedBy: string;
}

/** Places container steps: the AWS dispatcher asks it before starting an execution. */
export interface ContainerPlacer {
  placementOf(job: JobSpec): Promise<ContainerPlacement>;
}

/**
 * Resolves the executions that wait for a callback (a callback or approval step): Step Functions'
 * SendTaskSuccess / SendTaskFailure in AWS, the local runner's own waits locally.
 */
export interface TaskTokens {
  /** Resolves the wait with `output`. False when nothing waits on the token any more (resolved, timed out, stopped). */
  succeed(token: string, output: CallbackResolution): Promise<boolean>;
  /** Fails the wait with `error` and `cause` (the execution's Catch sees both). False as for `succeed`. */
  fail(token: string, error: string, cause: string): Promise<boolean>;
}
