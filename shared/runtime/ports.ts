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
  /** The job's log text, or null when the job has written none (yet). */
  read(runId: string, jobId: string): Promise<string | null>;
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
