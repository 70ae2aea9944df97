import * as z from 'zod/mini';
import { authenticate, listPaging } from '../../shared/app/core.ts';
import { runControlService } from '../../shared/app/run-control.ts';
import { runService } from '../../shared/app/runs.ts';
import { PfError } from '../../shared/errors.ts';
import { bodyField, isPlainObject, readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { listFilter } from '../../shared/http/list-filter.ts';
import { created, empty, ok } from '../../shared/http/response.ts';
import { parseLocalTime } from '../../shared/http/time.ts';
import type { CreateRunRequest } from '../../shared/services/runs.ts';
import { runBrief, runDetail } from './views.ts';

/** PaddleFlow's CreateRunRequest (§1.7). */
const RunBody = z.object({
  fsName: z.optional(z.string()),
  username: z.optional(z.string()),
  name: z.optional(z.string()),
  desc: z.optional(z.string()),
  parameters: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  dockerEnv: z.optional(z.string()),
  disabled: z.optional(z.string()),
  failureOptions: z.optional(z.nullable(z.object({ strategy: z.optional(z.string()) }))),
  runYamlRaw: z.optional(z.string()),
  pipelineID: z.optional(z.string()),
  pipelineVersionID: z.optional(z.string()),
  runYamlPath: z.optional(z.string()),
  scheduleID: z.optional(z.string()),
  scheduledAt: z.optional(z.string()),
  /** Floe: failed steps halt for an operator instead of failing the run. */
  debug: z.optional(z.boolean()),
  /** Floe: a dry run: every step resolved and shown, none run. */
  mock: z.optional(z.boolean()),
});

function readRunRequest(body: unknown): CreateRunRequest {
  const fields = readBody(RunBody, body);
  let scheduledAt = '';
  if (fields.scheduledAt) {
    const date = parseLocalTime(fields.scheduledAt);
    if (!date) {
      throw new PfError(
        'InvalidArguments',
        `scheduledAt[${fields.scheduledAt}] is not a time of the form YYYY-MM-DD HH:MM:SS`,
      );
    }
    scheduledAt = date.toISOString();
  }
  return {
    fsName: fields.fsName ?? '',
    username: fields.username ?? '',
    name: fields.name ?? '',
    description: fields.desc ?? '',
    parameters: fields.parameters ?? null,
    dockerEnv: fields.dockerEnv ?? '',
    disabled: fields.disabled ?? '',
    failureStrategy: fields.failureOptions?.strategy ?? '',
    runYamlRaw: fields.runYamlRaw ?? '',
    pipelineId: fields.pipelineID ?? '',
    pipelineVersionId: fields.pipelineVersionID ?? '',
    runYamlPath: fields.runYamlPath ?? '',
    scheduleId: fields.scheduleID ?? '',
    scheduledAt,
    ...(fields.debug ? { debug: true as const } : {}),
    ...(fields.mock ? { mock: true as const } : {}),
  };
}

/** An optional boolean body field (`stopForce`, `checkCache`), matched case-insensitively. */
function booleanField(body: unknown, field: string, fallback: boolean): boolean {
  const value = bodyField(body, field);
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new PfError('MalformedJSON', `field [${field}] must be a boolean`);
  return value;
}

const RUN_LIST = 'run';

export const handler = resourceHandler(
  'run',
  {
    'POST /run': async ({ actor, body }) => {
      const runID = await runService().create(actor, readRunRequest(body));
      return created({ runID });
    },

    'POST /runjson': async ({ actor, body }) => {
      if (!isPlainObject(body)) {
        throw new PfError('MalformedJSON', 'request body must be a JSON object: the pipeline');
      }
      const runID = await runService().createFromJson(actor, body);
      return created({ runID });
    },

    'GET /run': async ({ actor, query }) => {
      const paging = await listPaging(RUN_LIST, query);
      const filter = listFilter(query, ['owners', 'fsNames', 'runIds', 'names', 'statuses']);
      const page = await runService().list(actor, filter, paging.request);
      return ok(paging.envelope(page, 'runList', runBrief));
    },

    'GET /run/{runID}': async ({ actor, params }) => {
      const { run, nodes } = await runService().detail(actor, params.runID!);
      return ok(runDetail(run, nodes));
    },

    'PUT /run/{runID}': async ({ actor, params, query, body }) => {
      const id = params.runID!;
      switch (query.action) {
        case 'stop':
          await runService().stop(actor, id, booleanField(body, 'stopForce', false));
          return empty();
        case 'retry':
          return ok({ runID: await runService().retry(actor, id) });
        // Floe's run control (reference/bamboo.md §4): pause, resume, revoke, and leaving debug mode.
        case 'pause':
        case 'resume':
        case 'revoke':
        case 'endDebug':
          await runControlService().operate(actor, id, { op: query.action });
          return empty();
        default:
          throw new PfError(
            'InvalidArguments',
            `invalid action[${query.action ?? ''}] for UpdateRun: expected stop, retry, pause, resume, revoke or endDebug`,
          );
      }
    },

    'DELETE /run/{runID}': async ({ actor, params, body }) => {
      await runService().delete(actor, params.runID!, booleanField(body, 'checkCache', true));
      return empty();
    },
  },
  { authenticate },
);
