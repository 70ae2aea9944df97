/** `/schedule` (reference/paddleflow.md §1.9, §6): create, list, show with its runs, stop, delete. */
import * as z from 'zod/mini';
import { authenticate, deferredListPaging, listPaging } from '../../shared/app/core.ts';
import { scheduleService } from '../../shared/app/schedules.ts';
import { readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { listFilter } from '../../shared/http/list-filter.ts';
import { created, empty, ok } from '../../shared/http/response.ts';
import { localTimeOf } from '../../shared/http/time.ts';
import type { CreateScheduleRequest } from '../../shared/services/schedules.ts';
import type { ScheduleRecord } from '../../shared/store/schedules.ts';
import { runBrief } from '../run/views.ts';

/** PaddleFlow's CreateScheduleRequest. */
const ScheduleBody = z.object({
  name: z.optional(z.string()),
  desc: z.optional(z.string()),
  pipelineID: z.optional(z.string()),
  pipelineVersionID: z.optional(z.string()),
  crontab: z.optional(z.string()),
  startTime: z.optional(z.string()),
  endTime: z.optional(z.string()),
  concurrency: z.optional(z.int()),
  concurrencyPolicy: z.optional(z.string()),
  expireInterval: z.optional(z.int()),
  catchup: z.optional(z.boolean()),
  username: z.optional(z.string()),
});

function readScheduleRequest(body: unknown): CreateScheduleRequest {
  const fields = readBody(ScheduleBody, body);
  return {
    name: fields.name ?? '',
    desc: fields.desc ?? '',
    pipelineId: fields.pipelineID ?? '',
    pipelineVersionId: fields.pipelineVersionID ?? '',
    crontab: fields.crontab ?? '',
    startTime: fields.startTime ?? '',
    endTime: fields.endTime ?? '',
    concurrency: fields.concurrency ?? 0,
    concurrencyPolicy: fields.concurrencyPolicy ?? '',
    expireInterval: fields.expireInterval ?? 0,
    // PaddleFlow's SDK leaves falsy values out, so an absent catchup means true (§1.9).
    catchup: fields.catchup ?? true,
    username: fields.username ?? '',
  };
}

/** PaddleFlow's ScheduleBrief. */
const scheduleBrief = (schedule: ScheduleRecord) => ({
  scheduleID: schedule.id,
  name: schedule.name,
  desc: schedule.desc,
  pipelineID: schedule.pipelineId,
  pipelineVersionID: schedule.pipelineVersionId,
  username: schedule.owner,
  fsConfig: { username: schedule.fsUser },
  crontab: schedule.crontab,
  options: {
    catchup: schedule.options.catchup,
    expireInterval: schedule.options.expireInterval,
    concurrency: schedule.options.concurrency,
    concurrencyPolicy: schedule.options.concurrencyPolicy,
  },
  startTime: localTimeOf(schedule.startAt),
  endTime: localTimeOf(schedule.endAt),
  createTime: localTimeOf(schedule.createdAt),
  updateTime: localTimeOf(schedule.updatedAt),
  nextRunTime: localTimeOf(schedule.nextRunAt),
  scheduleMsg: schedule.message,
  status: schedule.status,
});

const SCHEDULE_LIST = 'schedule';
/** A marker of one schedule's runs belongs to that schedule's list alone. */
const scheduleRunList = (scheduleId: string) => `scheduleRuns:${scheduleId}`;

export const handler = resourceHandler(
  'schedule',
  {
    'POST /schedule': async ({ actor, body }) => {
      const scheduleID = await scheduleService().create(actor, readScheduleRequest(body));
      return created({ scheduleID });
    },

    'GET /schedule': async ({ actor, query }) => {
      const paging = await listPaging(SCHEDULE_LIST, query);
      const filter = listFilter(query, [
        'owners',
        'pipelineIds',
        'pipelineVersionIds',
        'scheduleIds',
        'names',
        'statuses',
      ]);
      const page = await scheduleService().list(actor, filter, paging.request);
      return ok(paging.envelope(page, 'scheduleList', scheduleBrief));
    },

    'GET /schedule/{scheduleID}': async ({ actor, params, query }) => {
      const paging = deferredListPaging(query);
      const service = scheduleService();
      const schedule = await service.get(actor, params.scheduleID!);
      const { request, envelope } = await paging.open(scheduleRunList(schedule.id));
      const runs = await service.runs(schedule, listFilter(query, ['runIds', 'statuses']), request);
      return ok({ ...scheduleBrief(schedule), runs: envelope(runs, 'runList', runBrief) });
    },

    'PUT /schedule/{scheduleID}': async ({ actor, params }) => {
      await scheduleService().stop(actor, params.scheduleID!);
      return empty();
    },

    'DELETE /schedule/{scheduleID}': async ({ actor, params }) => {
      await scheduleService().delete(actor, params.scheduleID!);
      return empty();
    },
  },
  { authenticate },
);
