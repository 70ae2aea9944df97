import {
  array,
  body,
  nullable,
  object,
  oneOfStrings,
  operation,
  pathParameter,
  queryParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';
import { localTime } from '../components.ts';

const taskId = pathParameter('taskId', 'The task: `<runID>.<nodeKey>`, percent-encoded.');
const localTimeOrNull = nullable(localTime);

const TASK_STATUSES = [
  'produce.success',
  'start.begin',
  'start.failed',
  'monitor.begin',
  'monitor.success',
  'monitor.failed',
  'cancel.begin',
  'cancel.success',
  'canceled',
  'rollback.begin',
  'rollback.success',
  'rollback.failed',
  'mock.begin',
  'mock.passed',
  'mock.failed',
  'skipped',
] as const;

export const taskDoc: ResourceDoc<'task'> = {
  description:
    "Floe's extension: the deployment orchestrator's task API (seed 003) over a run's steps. A task is one " +
    "step of a run; its rollback is the task's rollback phase. Access is as for runs: the owner or root.",
  schemas: {
    Task: object(
      {
        id: string('The job id.'),
        processInstanceId: string('The run.'),
        taskId: string('`<runID>.<nodeKey>`.'),
        name: string('The step name.'),
        namespace: string('The DAG it is in, or the run name at the top.'),
        stone: string('`container`.'),
        createTime: localTimeOrNull,
        endTime: localTimeOrNull,
        status: oneOfStrings(TASK_STATUSES, "The phase and its outcome; `skipped` is Floe's."),
        reason: nullable(string('Why it failed or was cancelled.')),
        params: string('JSON text: parameters, command, env, dockerEnv, inputArtifacts, loopArgument.'),
        outputs: string(
          'JSON text: outputArtifacts, and `result` for a lambda or http step that returned one.',
        ),
        progress: { type: 'null' },
      },
      { description: 'A task, as seed 003 shows one.' },
    ),
  },
  paths: {
    '/task': {
      get: operation({
        id: 'listTasks',
        summary: "List a run's tasks",
        description: 'In node key order (loop iterations by index); not paged.',
        parameters: [queryParameter('processInstanceId', 'The run.', { required: true })],
        responses: { 200: body("The run's tasks.", array(ref('Task'))) },
        errors: { 400: ['RequiredFieldEmpty'], 403: ['AccessDenied'], 404: ['RunNotFound'] },
      }),
    },
    '/task/{taskId}': {
      get: operation({
        id: 'getTask',
        summary: 'Show a task',
        parameters: [taskId],
        responses: { 200: body('The task.', ref('Task')) },
        errors: { 403: ['AccessDenied'], 404: ['RecordNotFound', 'RunNotFound'] },
      }),
    },
    '/task/{taskId}/{operate}': {
      put: operation({
        id: 'operateTask',
        summary: 'Debug a failed task',
        description:
          'For a failed task of a debug run: `reRun` retries it; `resume` gives up debugging (the run fails, ' +
          'and rolls back).',
        parameters: [taskId, pathParameter('operate', 'What to do.', oneOfStrings(['reRun', 'resume']))],
        responses: { 200: body('The task, as it will be once the action is applied.', ref('Task')) },
        errors: {
          400: ['InvalidArguments'],
          403: ['AccessDenied', 'ActionNotAllowed'],
          404: ['RecordNotFound', 'RunNotFound'],
        },
      }),
    },
  },
};
