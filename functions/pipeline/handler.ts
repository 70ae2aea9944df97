import * as z from 'zod/mini';
import { authenticate, deferredListPaging, listPaging } from '../../shared/app/core.ts';
import { pipelineService } from '../../shared/app/pipelines.ts';
import { readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { listFilter } from '../../shared/http/list-filter.ts';
import { created, empty, ok } from '../../shared/http/response.ts';
import { localTimeOf } from '../../shared/http/time.ts';
import type { PipelineRequest } from '../../shared/services/pipelines.ts';
import type { PipelineVersionRecord } from '../../shared/store/pipeline-versions.ts';
import type { PipelineRecord } from '../../shared/store/pipelines.ts';

/** PaddleFlow's CreatePipelineRequest, also the body of an update. `username` names whose fs `fsName` is. */
const PipelineBody = z.object({
  fsName: z.optional(z.string()),
  yamlPath: z.optional(z.string()),
  yamlRaw: z.optional(z.string()),
  username: z.optional(z.string()),
  desc: z.optional(z.string()),
});

function readPipelineRequest(body: unknown): PipelineRequest {
  const { fsName = '', yamlPath = '', yamlRaw = '', username = '', desc = '' } = readBody(PipelineBody, body);
  return { fsName, yamlPath, yamlRaw, username, desc };
}

/** PaddleFlow's PipelineBrief. */
const pipelineView = (pipeline: PipelineRecord) => ({
  pipelineID: pipeline.id,
  name: pipeline.name,
  desc: pipeline.desc,
  username: pipeline.owner,
  createTime: localTimeOf(pipeline.createdAt),
  updateTime: localTimeOf(pipeline.updatedAt),
});

/** PaddleFlow's PipelineVersionBrief; a version never changes, so it was last updated when created. */
const versionView = (version: PipelineVersionRecord) => ({
  pipelineVersionID: String(version.version),
  pipelineID: version.pipelineId,
  fsName: version.fsName,
  yamlPath: version.yamlPath,
  pipelineYaml: version.yaml,
  username: version.owner,
  createTime: localTimeOf(version.createdAt),
  updateTime: localTimeOf(version.createdAt),
});

const PIPELINE_LIST = 'pipeline';
/** A version marker belongs to one pipeline's list: another pipeline's marker is refused. */
const versionList = (pipelineId: string) => `pipelineVersion:${pipelineId}`;

export const handler = resourceHandler(
  'pipeline',
  {
    'POST /pipeline': async ({ actor, body }) => {
      const { pipeline, version } = await pipelineService().create(actor, readPipelineRequest(body));
      return created({ pipelineID: pipeline.id, pipelineVersionID: String(version), name: pipeline.name });
    },

    'GET /pipeline': async ({ actor, query }) => {
      const paging = await listPaging(PIPELINE_LIST, query);
      const filter = listFilter(query, ['owners', 'names']);
      const page = await pipelineService().list(actor, filter, paging.request);
      return ok(paging.envelope(page, 'pipelineList', pipelineView));
    },

    'POST /pipeline/{pipelineID}': async ({ actor, params, body }) => {
      const request = readPipelineRequest(body);
      const { pipeline, version } = await pipelineService().update(actor, params.pipelineID!, request);
      return created({ pipelineID: pipeline.id, pipelineVersionID: String(version) });
    },

    'GET /pipeline/{pipelineID}': async ({ actor, params, query }) => {
      const paging = deferredListPaging(query);
      const service = pipelineService();
      const pipeline = await service.get(actor, params.pipelineID!);
      const { request, envelope } = await paging.open(versionList(pipeline.id));
      const page = await service.versions(pipeline, { ...request, ...listFilter(query, ['fsNames']) });
      return ok({
        pipeline: pipelineView(pipeline),
        pplVersions: envelope(page, 'pplVersionList', versionView),
      });
    },

    'DELETE /pipeline/{pipelineID}': async ({ actor, params }) => {
      await pipelineService().delete(actor, params.pipelineID!);
      return empty();
    },

    'GET /pipeline/{pipelineID}/{pipelineVersionID}': async ({ actor, params }) => {
      const { pipeline, version } = await pipelineService().getVersion(
        actor,
        params.pipelineID!,
        params.pipelineVersionID!,
      );
      return ok({ pipeline: pipelineView(pipeline), pipelineVersion: versionView(version) });
    },

    'DELETE /pipeline/{pipelineID}/{pipelineVersionID}': async ({ actor, params }) => {
      await pipelineService().deleteVersion(actor, params.pipelineID!, params.pipelineVersionID!);
      return empty();
    },
  },
  { authenticate },
);
