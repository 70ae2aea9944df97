/**
 * Container steps: `ExecuteContainer` runs the job as an ECS task on Fargate (RunTask `.sync`, answered locally
 * by a child process) where the input's `container` block places it, and leaves the stopped task as ECS
 * DescribeTasks returns it in `$.task` for `CheckContainer`, or fails into `ExecuteError`. Every outcome of a
 * task that ran carries the task's ARN (DescribeTasks always returns `TaskArn` for a task that was created), so
 * the log reader can find its log later.
 *
 * The job's command runs as `sh -c <command>`: the step task definitions' entry point is `['sh', '-c']`
 * (ecs-container-placer.ts) and the override's `Command` is `containerCommand` alone (machine-input.ts: the
 * job's command after its output artifacts are prepared). ECS's `Command` replaces only
 * the image's CMD, so the entry point must be set too for an image with an ENTRYPOINT to run the command as
 * PaddleFlow's pods do (there `command` replaces the entry point).
 *
 * A try that times out stops its task: Step Functions is not documented to stop the ECS task of a
 * `runTask.sync` Task that timed out (it is for an execution that is stopped), so `ListTimedOutTask` finds the
 * tasks started for the job (`startedBy`) and `StopTimedOutTasks` stops each before the try is reported
 * timed out.
 */
import { outcome, placeholder, retryOn } from './machine-parts.ts';
import { NODE_STATES } from './node-states.ts';

/** The container in the task definition whose command and environment each job overrides. */
export const STEP_CONTAINER_NAME = 'step';

const EXIT_CODE = '$.task.Containers[0].ExitCode';
const EXIT_REASON = '$.task.Containers[0].Reason';
const TASK_ARN = { 'taskArn.$': '$.task.TaskArn' };

/** ECS's answers to ListTasks and StopTask are idempotent: retried through throttling and blips. */
const ECS_RETRY = retryOn(['States.ALL']);

/**
 * Stopping a timed-out task is the cleanup of a try that has failed already: whatever goes wrong in it, the
 * try is still reported timed out, and the step's retry policy applies (an error left uncaught would fail the
 * execution: the node would be reported failed without the timeout, and never retried). A task that could not
 * be stopped runs on until it ends.
 */
const CATCH_TO_TIMED_OUT = [
  { ErrorEquals: ['States.ALL'], ResultPath: '$.stopError', Next: NODE_STATES.timedOut },
];

/** A container's outcome: failures go through CanRetry (the step's retry policy), the rest report. */
const ended = (status: 'succeeded' | 'terminated', message: string) =>
  outcome(status, { message, ...TASK_ARN });
const failed = (message: Record<string, string>) =>
  outcome('failed', { ...message, ...TASK_ARN }, NODE_STATES.canRetry);

/**
 * Every JSONPath that may be missing (ECS omits `ExitCode` for a container that never ran, `Reason` and
 * `StoppedReason` when there is nothing to say) is read only on a Choice branch that checked it is present.
 */
export function containerStates() {
  const S = NODE_STATES;
  return {
    [S.executeContainer]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      Parameters: {
        Cluster: placeholder('ClusterArn'),
        'TaskDefinition.$': '$.container.taskDefinition',
        LaunchType: 'FARGATE',
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            'Subnets.$': '$.container.subnets',
            'SecurityGroups.$': '$.container.securityGroups',
            'AssignPublicIp.$': '$.container.assignPublicIp',
          },
        },
        'StartedBy.$': '$.container.startedBy',
        Overrides: {
          ContainerOverrides: [
            {
              Name: STEP_CONTAINER_NAME,
              // The argument of the task definition's `sh -c` entry point.
              'Command.$': 'States.Array($.containerCommand)',
              'Environment.$': '$.envList',
            },
          ],
        },
      },
      TimeoutSecondsPath: '$.timeoutSeconds',
      // The stopped task as DescribeTasks returns it; CheckContainer reads Containers, StopCode, StoppedReason.
      ResultPath: '$.task',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: S.listTimedOutTask },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.executeError },
      ],
      Next: S.checkContainer,
    },
    // The tasks of the job still running (ListTasks lists those whose desired status is RUNNING): the one
    // that timed out, and any earlier one that could not be stopped.
    [S.listTimedOutTask]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:ecs:listTasks',
      Parameters: { Cluster: placeholder('ClusterArn'), 'StartedBy.$': '$.container.startedBy' },
      // The whole answer ({TaskArns, NextToken}), read on a Choice branch that checked TaskArns is there: a
      // ResultSelector path to a missing field would fail the execution.
      ResultPath: '$.timedOutTasks',
      Retry: ECS_RETRY,
      Catch: CATCH_TO_TIMED_OUT,
      Next: S.foundTimedOutTask,
    },
    [S.foundTimedOutTask]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.timedOutTasks.TaskArns', IsPresent: true, Next: S.stopTimedOutTasks }],
      Default: S.timedOut,
    },
    [S.stopTimedOutTasks]: {
      Type: 'Map',
      ItemsPath: '$.timedOutTasks.TaskArns',
      ItemSelector: { 'taskArn.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: S.stopTimedOutTask,
        States: {
          [S.stopTimedOutTask]: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:ecs:stopTask',
            Parameters: {
              Cluster: placeholder('ClusterArn'),
              'Task.$': '$.taskArn',
              Reason: 'the step timed out',
            },
            ResultPath: null,
            Retry: ECS_RETRY,
            End: true,
          },
        },
      },
      ResultPath: null,
      Catch: CATCH_TO_TIMED_OUT,
      Next: S.timedOut,
    },
    [S.checkContainer]: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: EXIT_CODE, IsPresent: true },
            { Variable: EXIT_CODE, NumericEquals: 0 },
          ],
          Next: S.succeeded,
        },
        {
          And: [
            { Variable: '$.task.StopCode', IsPresent: true },
            { Variable: '$.task.StopCode', StringEquals: 'UserInitiated' },
          ],
          Next: S.terminated,
        },
        {
          And: [
            { Variable: EXIT_CODE, IsPresent: true },
            { Variable: EXIT_REASON, IsPresent: true },
          ],
          Next: S.exitedWithReason,
        },
        { Variable: EXIT_CODE, IsPresent: true, Next: S.exited },
        { Variable: '$.task.StoppedReason', IsPresent: true, Next: S.notRunWithReason },
      ],
      Default: S.notRun,
    },
    [S.succeeded]: ended('succeeded', ''),
    [S.terminated]: ended('terminated', 'the job was stopped'),
    [S.exitedWithReason]: failed({
      'message.$': `States.Format('exit code {}: {}', ${EXIT_CODE}, ${EXIT_REASON})`,
    }),
    [S.exited]: failed({ 'message.$': `States.Format('exit code {}', ${EXIT_CODE})` }),
    [S.notRunWithReason]: failed({ 'message.$': '$.task.StoppedReason' }),
    [S.notRun]: failed({ message: 'the container did not run' }),
  };
}
