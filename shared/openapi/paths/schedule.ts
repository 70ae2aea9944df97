import {
  body,
  boolean,
  filterParameter,
  integer,
  noBody,
  object,
  oneOfStrings,
  operation,
  pathParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';
import { localTime, markerList } from '../components.ts';

const scheduleID = pathParameter('scheduleID', 'The schedule: `schedule-000001`.');

export const scheduleDoc: ResourceDoc<'schedule'> = {
  description: "PaddleFlow's schedules: a pipeline version run on a crontab.",
  schemas: {
    ScheduleRequest: object(
      {
        name: string(),
        desc: string(),
        pipelineID: string(),
        pipelineVersionID: string(),
        crontab: string(
          'Five fields, `@yearly`…`@hourly` or `@every <duration>`, optionally after `CRON_TZ=<zone> `.',
        ),
        startTime: string('`YYYY-MM-DD HH:MM:SS`, server time; empty for now.'),
        endTime: string('`YYYY-MM-DD HH:MM:SS`, server time; empty for never.'),
        concurrency: integer('At most this many of its runs at once; 0 for no limit.'),
        concurrencyPolicy: string(
          '`suspend` (the default), `skip` or `replace`, when `concurrency` is reached.',
        ),
        expireInterval: integer('Seconds after which a missed time is skipped; 0 for never.'),
        catchup: boolean('Default true: run the times missed while Floe was down.'),
        username: string('Root only: the fs user its runs act as.'),
      },
      { optional: 'all', description: "PaddleFlow's CreateScheduleRequest." },
    ),
    ScheduleCreated: object({ scheduleID: string() }),
    ScheduleBrief: object(
      {
        scheduleID: string(),
        name: string(),
        desc: string(),
        pipelineID: string(),
        pipelineVersionID: string(),
        username: string('The owner.'),
        fsConfig: object({ username: string('The fs user its runs act as.') }),
        crontab: string(),
        options: object({
          catchup: boolean(),
          expireInterval: integer(),
          concurrency: integer(),
          concurrencyPolicy: string(),
        }),
        startTime: localTime,
        endTime: localTime,
        createTime: localTime,
        updateTime: localTime,
        nextRunTime: localTime,
        scheduleMsg: string(),
        status: oneOfStrings(['running', 'success', 'terminated', 'failed']),
      },
      { description: "PaddleFlow's ScheduleBrief." },
    ),
    ScheduleList: markerList('scheduleList', ref('ScheduleBrief')),
    ScheduleDetail: {
      allOf: [ref('ScheduleBrief'), object({ runs: ref('RunList') })],
      description: 'The schedule, flattened, with a page of its runs.',
    },
  },
  paths: {
    '/schedule': {
      get: operation({
        id: 'listSchedules',
        summary: 'List schedules',
        description: "The caller's own; root sees everyone's and may filter by user.",
        paged: 'marker',
        parameters: [
          filterParameter('userFilter', "these owners' schedules (root only)"),
          filterParameter('pplFilter', 'the schedules of these pipelines'),
          filterParameter('pplVersionFilter', 'the schedules of these pipeline versions'),
          filterParameter('scheduleFilter', 'these schedules'),
          filterParameter('nameFilter', 'the schedules of these names'),
          filterParameter('statusFilter', 'the schedules in these statuses'),
        ],
        responses: { 200: body('A page of schedules.', ref('ScheduleList')) },
        errors: { 403: ['AccessDenied'] },
      }),
      post: operation({
        id: 'createSchedule',
        summary: 'Create a schedule',
        requestBody: { required: true, schema: ref('ScheduleRequest') },
        responses: { 201: body('The schedule was created.', ref('ScheduleCreated')) },
        errors: {
          400: ['InvalidArguments', 'InvalidNamePattern', 'DuplicatedName'],
          403: ['AccessDenied'],
          404: ['PipelineNotFound'],
        },
      }),
    },
    '/schedule/{scheduleID}': {
      get: operation({
        id: 'getSchedule',
        summary: 'Show a schedule and its runs',
        paged: 'marker',
        parameters: [
          scheduleID,
          filterParameter('runFilter', 'these runs'),
          filterParameter('statusFilter', 'the runs in these statuses'),
        ],
        responses: { 200: body('The schedule with a page of its runs.', ref('ScheduleDetail')) },
        errors: { 403: ['AccessDenied'], 404: ['ScheduleNotFound'] },
      }),
      put: operation({
        id: 'stopSchedule',
        summary: 'Stop a schedule',
        description: "No body, no action: PaddleFlow's PUT stops the schedule. A final one is refused.",
        parameters: [scheduleID],
        responses: { 200: noBody('The schedule was stopped.') },
        errors: { 403: ['AccessDenied', 'ActionNotAllowed'], 404: ['ScheduleNotFound'] },
      }),
      delete: operation({
        id: 'deleteSchedule',
        summary: 'Delete a schedule',
        description: 'Only a stopped or finished one.',
        parameters: [scheduleID],
        responses: { 200: noBody('The schedule was deleted.') },
        errors: { 403: ['AccessDenied', 'ActionNotAllowed'], 404: ['ScheduleNotFound'] },
      }),
    },
  },
};
