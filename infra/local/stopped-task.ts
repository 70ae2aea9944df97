/**
 * A local container job's outcome in the shape ECS DescribeTasks gives a stopped task, so that the
 * NodeMachine's own Choice (CheckContainer) decides the result locally as in AWS.
 */

/** What a job ended as. `exitCode`, when the job knows it, is the step command's exit status. */
export interface JobOutcome {
  status: 'succeeded' | 'failed' | 'terminated';
  message: string;
  exitCode?: number;
}

/** The part of an ECS DescribeTasks task the NodeMachine reads. */
// A type, not an interface: the interpreter's handlers return JSON values (index-signature objects).
export type StoppedTask = {
  TaskArn: string;
  Containers: { ExitCode?: number; Reason?: string }[];
  StopCode: 'EssentialContainerExited' | 'UserInitiated';
  StoppedReason: string;
};

/** The ARN a local job's "task" reports: nothing reads it locally (the log is the job's own file). */
export const localTaskArn = (jobId: string) => `arn:aws:ecs:local:000000000000:task/floe-local/${jobId}`;

/** SIGTERM's conventional exit status: what a stopped container reports. */
const TERMINATED_EXIT_CODE = 143;
const EXIT_MESSAGE = /^exit code (-?\d+)$/;

/**
 * A job's outcome as ECS describes a stopped task. A failure with a known exit code carries the job's message
 * as the container's `Reason` (unless it only repeats the code); one without an exit code has no `ExitCode`,
 * as an ECS container that never ran, and its message is the `StoppedReason`.
 */
export function toStoppedTask(outcome: JobOutcome, taskArn: string): StoppedTask {
  if (outcome.status === 'succeeded') {
    return {
      TaskArn: taskArn,
      Containers: [{ ExitCode: 0 }],
      StopCode: 'EssentialContainerExited',
      StoppedReason: 'Essential container in task exited',
    };
  }
  if (outcome.status === 'terminated') {
    return {
      TaskArn: taskArn,
      Containers: [{ ExitCode: TERMINATED_EXIT_CODE }],
      StopCode: 'UserInitiated',
      StoppedReason: outcome.message || 'Task stopped by user',
    };
  }
  const parsed = EXIT_MESSAGE.exec(outcome.message);
  const known = outcome.exitCode ?? (parsed ? Number(parsed[1]) : undefined);
  if (known === undefined) {
    return {
      TaskArn: taskArn,
      Containers: [{}],
      StopCode: 'EssentialContainerExited',
      StoppedReason: outcome.message || 'the container did not run',
    };
  }
  const exitCode = known === 0 ? 1 : known;
  const repeatsCode = outcome.message === '' || outcome.message === `exit code ${exitCode}`;
  return {
    TaskArn: taskArn,
    Containers: [repeatsCode ? { ExitCode: exitCode } : { ExitCode: exitCode, Reason: outcome.message }],
    StopCode: 'EssentialContainerExited',
    StoppedReason: 'Essential container in task exited',
  };
}
