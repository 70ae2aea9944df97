/**
 * `/trigger` and `/event` (Floe's extension, in PaddleFlow's conventions): pipelines bound to event patterns, and
 * users' events onto Floe's bus.
 */
import * as z from 'zod/mini';
import { authenticate, listPaging } from '../../shared/app/core.ts';
import { triggerService } from '../../shared/app/triggers.ts';
import { readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { listFilter } from '../../shared/http/list-filter.ts';
import { created, empty, ok } from '../../shared/http/response.ts';
import { localTimeOf } from '../../shared/http/time.ts';
import type { TriggerRecord } from '../../shared/store/triggers.ts';

const Parameters = z.record(z.string(), z.string());

/** `username` names the fs user the runs act as, as a schedule's (only root may name another user). */
const CreateBody = z.object({
  name: z.optional(z.string()),
  desc: z.optional(z.string()),
  pipelineID: z.optional(z.string()),
  pipelineVersionID: z.optional(z.string()),
  pattern: z.optional(z.unknown()),
  parameters: z.optional(Parameters),
  username: z.optional(z.string()),
  enabled: z.optional(z.boolean()),
});

const UpdateBody = z.object({
  desc: z.optional(z.string()),
  pattern: z.optional(z.unknown()),
  parameters: z.optional(Parameters),
  enabled: z.optional(z.boolean()),
});

/** Shaped like PaddleFlow's ScheduleBrief: `username` the owner, `fsConfig.username` whom the runs act as. */
const triggerView = (trigger: TriggerRecord) => ({
  triggerID: trigger.id,
  name: trigger.name,
  desc: trigger.desc,
  pipelineID: trigger.pipelineId,
  pipelineVersionID: trigger.pipelineVersionId,
  username: trigger.owner,
  fsConfig: { username: trigger.fsUser },
  pattern: trigger.pattern,
  parameters: trigger.parameters,
  enabled: trigger.enabled,
  triggerMsg: trigger.message,
  createTime: localTimeOf(trigger.createdAt),
  updateTime: localTimeOf(trigger.updatedAt),
});

const LIST = 'trigger';

export const handler = resourceHandler(
  'trigger',
  {
    'POST /trigger': async ({ actor, body }) => {
      const request = readBody(CreateBody, body);
      const trigger = await triggerService().create(actor, {
        name: request.name ?? '',
        desc: request.desc ?? '',
        pipelineId: request.pipelineID ?? '',
        pipelineVersionId: request.pipelineVersionID ?? '',
        pattern: request.pattern,
        parameters: request.parameters ?? {},
        username: request.username ?? '',
        enabled: request.enabled,
      });
      return created({ triggerID: trigger.id });
    },

    'GET /trigger': async ({ actor, query }) => {
      const paging = await listPaging(LIST, query);
      const filter = listFilter(query, ['owners', 'pipelineIds', 'names']);
      const page = await triggerService().list(actor, filter, paging.request);
      return ok(paging.envelope(page, 'triggerList', triggerView));
    },

    'GET /trigger/{triggerID}': async ({ actor, params }) =>
      ok(triggerView(await triggerService().get(actor, params.triggerID!))),

    'PUT /trigger/{triggerID}': async ({ actor, params, body }) => {
      const changes = readBody(UpdateBody, body ?? {});
      return ok(triggerView(await triggerService().update(actor, params.triggerID!, changes)));
    },

    'DELETE /trigger/{triggerID}': async ({ actor, params }) => {
      await triggerService().delete(actor, params.triggerID!);
      return empty();
    },

    'POST /event': async ({ actor, body }) => {
      const eventID = await triggerService().publish(actor, body);
      return created({ eventID });
    },
  },
  { authenticate },
);
