import {
  array,
  body,
  boolean,
  object,
  oneOfStrings,
  operation,
  pathParameter,
  queryParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';

export const logDoc: ResourceDoc<'log'> = {
  description: "PaddleFlow's run logs: each started job's log, paged by lines.",
  schemas: {
    JobLogInfo: object(
      {
        jobID: string(),
        taskList: array(
          object({
            taskID: string(),
            logInfo: object({
              logContent: string('The lines of the page, each ending in a newline.'),
              hasNextPage: boolean(),
              truncated: boolean('The log was longer than the window read (5000 lines, or 500000 bytes).'),
            }),
          }),
          'One task per job: a step runs as one process.',
        ),
        name: string(),
        type: oneOfStrings(['step']),
        eventList: array(string()),
      },
      { description: "PaddleFlow's JobLogInfo." },
    ),
    RunLog: object({
      submitLog: string(),
      runLog: array(ref('JobLogInfo'), 'The jobs that have started, by start time.'),
      runID: string(),
    }),
  },
  paths: {
    '/log/run/{runID}': {
      get: operation({
        id: 'getRunLog',
        summary: "Show a run's logs",
        description:
          "With `logFilePosition=end` (the default) pages count back from the log's last 5000 lines; with " +
          '`begin`, forward through its first 500000 bytes.',
        parameters: [
          pathParameter('runID', 'The run.'),
          queryParameter('jobID', 'Only this job.'),
          queryParameter('pageNo', '1-based; 0 means 1.', {
            schema: { type: 'integer', minimum: 0, default: 1 },
          }),
          queryParameter('pageSize', 'Lines per page; 0 means 100.', {
            schema: { type: 'integer', minimum: 0, maximum: 100, default: 100 },
          }),
          queryParameter('logFilePosition', 'Where pages start from.', {
            schema: { type: 'string', enum: ['begin', 'end'], default: 'end' },
          }),
        ],
        responses: { 200: body("The run's job logs.", ref('RunLog')) },
        errors: { 400: ['InvalidURI'], 403: ['AccessDenied'], 404: ['RunNotFound'] },
      }),
    },
  },
};
