/**
 * Abnormal ends of a NodeMachine execution. A normal end reports `finished` from the machine's last state;
 * an execution that fails outside its Catch (a report that could not be sent, a `States.Runtime` error),
 * times out, or is stopped (a kill is `StopExecution`) never gets there. Step Functions announces those on
 * EventBridge ("Step Functions Execution Status Change"); this turns one into the `finished` event the run's
 * mailbox expects. The local runner maps its failed executions through the same function.
 */
import type { JobSpec, RunEvent } from '../engine/run/model.ts';

/** The statuses that mean the execution ended without reporting. */
export const ABNORMAL_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type AbnormalStatus = (typeof ABNORMAL_STATUSES)[number];

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** The part of the event's `detail` this reads (the input is the execution's input as a JSON string). */
export interface ExecutionStatusChangeDetail {
  executionArn?: string;
  stateMachineArn?: string;
  name?: string;
  status: string;
  /** Epoch milliseconds. */
  stopDate?: number | null;
  input?: string | null;
  error?: string | null;
  cause?: string | null;
}

export interface MailboxPost {
  runId: string;
  event: Extract<RunEvent, { type: 'finished' }>;
}

const isAbnormal = (status: string): status is AbnormalStatus =>
  (ABNORMAL_STATUSES as readonly string[]).includes(status);

function jobOf(input: string | null | undefined): Pick<JobSpec, 'runId' | 'key' | 'attempt'> | null {
  if (!input) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return null;
  }
  const job = (parsed as { job?: Partial<JobSpec> } | null)?.job;
  if (
    typeof job?.runId !== 'string' ||
    job.runId === '' ||
    typeof job.key !== 'string' ||
    typeof job.attempt !== 'number'
  ) {
    return null;
  }
  return { runId: job.runId, key: job.key, attempt: job.attempt };
}

function messageOf(detail: ExecutionStatusChangeDetail, status: AbnormalStatus): string {
  if (status === 'TIMED_OUT') return 'the node execution timed out';
  if (status === 'ABORTED') return 'the node execution was stopped';
  const reason = [detail.error, detail.cause].filter((part) => typeof part === 'string' && part !== '');
  return reason.length > 0 ? `the node execution failed: ${reason.join(': ')}` : 'the node execution failed';
}

/**
 * The `finished` event for an abnormal end, or null when the status is not abnormal or the input does not
 * name a node attempt (then there is nothing to tell a run). `fallbackTime` (the event's `time`) is used when
 * the detail carries no stop date.
 */
export function abnormalEnd(detail: ExecutionStatusChangeDetail, fallbackTime: string): MailboxPost | null {
  if (!isAbnormal(detail.status)) return null;
  const job = jobOf(detail.input);
  if (!job) return null;
  const at = typeof detail.stopDate === 'number' ? new Date(detail.stopDate).toISOString() : fallbackTime;
  return {
    runId: job.runId,
    event: {
      type: 'finished',
      key: job.key,
      attempt: job.attempt,
      status: detail.status === 'ABORTED' ? 'terminated' : 'failed',
      message: messageOf(detail, detail.status),
      at,
    },
  };
}
