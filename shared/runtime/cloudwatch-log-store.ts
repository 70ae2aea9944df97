/**
 * The LogStore in AWS: a container step logs through the awslogs driver to `FLOE_STEP_LOG_GROUP`, one stream
 * per task, `step/step/<task id>` (the placer's stream prefix and container name). The task is the one the run
 * recorded when the container stopped; while it runs (or when the run has not recorded it), it is the task
 * ECS lists under the job's `startedBy` in `FLOE_STEP_CLUSTER`.
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { traced } from '../observability/tracer.ts';
import { startedByOf } from './ecs-container-placer.ts';
import { requiredEnv } from './env.ts';
import type { LogStore } from './ports.ts';

let logs: CloudWatchLogsClient | undefined;
let ecs: ECSClient | undefined;
/** One client each per container, made on first use. */
const logsClient = () => (logs ??= traced(new CloudWatchLogsClient({})));
const ecsClient = () => (ecs ??= traced(new ECSClient({})));

/**
 * What one read takes at most, in UTF-16 units of the messages. The API pages at most the first 500,000 bytes
 * or the last 5,000 lines of this text (log-paging.ts), and the handler holds every job's text of a run at
 * once in a Lambda's memory, so a training job's endless log must not be read whole: past this the text
 * stops (its `end` page then shows the lines around this point, not the log's true end).
 */
export const LOG_READ_LIMIT = 4 * 1024 * 1024;

/** `arn:aws:ecs:<region>:<account>:task/<cluster>/<task id>` (or the old `task/<task id>`) → the task id. */
const taskIdOf = (taskArn: string) => taskArn.slice(taskArn.lastIndexOf('/') + 1);

export class CloudWatchLogStore implements LogStore {
  async read(_runId: string, jobId: string, taskArn?: string): Promise<string | null> {
    const logGroupName = requiredEnv('FLOE_STEP_LOG_GROUP');
    const taskId = taskArn ? taskIdOf(taskArn) : await runningOrStoppedTask(jobId);
    if (!taskId) return null;
    return readStream(logGroupName, `step/step/${taskId}`);
  }
}

/**
 * The job's task: a running one first (a retry's task runs while earlier tries' have stopped), else a stopped
 * one (ECS lists stopped tasks for about an hour; after that only the run's recorded task ARN finds the log).
 */
async function runningOrStoppedTask(jobId: string): Promise<string | undefined> {
  const cluster = requiredEnv('FLOE_STEP_CLUSTER');
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const { taskArns } = await ecsClient().send(
      new ListTasksCommand({ cluster, startedBy: startedByOf(jobId), desiredStatus }),
    );
    const first = taskArns?.[0];
    if (first) return taskIdOf(first);
  }
  return undefined;
}

/**
 * The stream's messages, oldest first, one line each, in the local store's form (lines ending in `\n`).
 * GetLogEvents returns the token it was given once the end is reached, so the read stops when it repeats.
 * No stream yet (the task has not started writing) is no log.
 */
async function readStream(logGroupName: string, logStreamName: string): Promise<string | null> {
  const lines: string[] = [];
  let size = 0;
  let nextToken: string | undefined;
  try {
    while (size < LOG_READ_LIMIT) {
      const page = await logsClient().send(
        new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true, nextToken }),
      );
      for (const event of page.events ?? []) {
        const message = event.message ?? '';
        lines.push(message);
        size += message.length + 1;
      }
      if (!page.nextForwardToken || page.nextForwardToken === nextToken) break;
      nextToken = page.nextForwardToken;
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return null;
    throw error;
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
