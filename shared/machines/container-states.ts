/**
 * Container steps: `ExecuteContainer` runs the job as an ECS task on Fargate (RunTask `.sync`, answered locally
 * by a child process) where the input's `container` block places it, and leaves the stopped task as ECS
 * DescribeTasks returns it in `$.task` for `CheckContainer`, or fails into `ExecuteError`. Every outcome of a
 * task that ran carries the task's ARN (DescribeTasks always returns `TaskArn` for a task that was created), so
 * the log reader can find its log later.
 */
import { outcome, placeholder } from './machine-parts.ts';
import { NODE_STATES } from './node-states.ts';

/** The container in the task definition whose command and environment each job overrides. */
export const STEP_CONTAINER_NAME = 'step';

const EXIT_CODE = '$.task.Containers[0].ExitCode';
const EXIT_REASON = '$.task.Containers[0].Reason';
const TASK_ARN = { 'taskArn.$': '$.task.TaskArn' };

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
              'Command.$': "States.Array('bash', '-c', $.job.command)",
              'Environment.$': '$.envList',
            },
          ],
        },
      },
      TimeoutSecondsPath: '$.timeoutSeconds',
      // The stopped task as DescribeTasks returns it; CheckContainer reads Containers, StopCode, StoppedReason.
      ResultPath: '$.task',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: S.timedOut },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.executeError },
      ],
      Next: S.checkContainer,
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
