import {
  body,
  filterParameter,
  noBody,
  object,
  operation,
  pathParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';
import { localTime, markerList } from '../components.ts';

const pipelineID = pathParameter('pipelineID', 'The pipeline: `ppl-000001`.');
const pipelineVersionID = pathParameter('pipelineVersionID', 'The version: `1`, `2`, … per pipeline.');

/** Refusals of a pipeline's YAML and where it is read from, at create and update. */
const SOURCE_ERRORS = ['InvalidArguments', 'Decode base64', 'InvalidPipeline', 'ReadYamlFileFailed'] as const;

export const pipelineDoc: ResourceDoc<'pipeline'> = {
  description:
    "PaddleFlow's pipelines: a named pipeline YAML, kept in versions. The YAML's format is described by " +
    "the JSON Schema `docs/pipeline.schema.json` in Floe's repository (`npm run schema`).",
  schemas: {
    PipelineRequest: object(
      {
        fsName: string('The fs `yamlPath` is read from; not with `yamlRaw`.'),
        yamlPath: string('A path on the fs; default `./run.yaml`.'),
        yamlRaw: string(
          'The pipeline YAML, base64-encoded (see `docs/pipeline.schema.json`). Give this or `yamlPath`.',
        ),
        username: string('Root only: whose fs `fsName` is.'),
        desc: string('At most 256 bytes.'),
      },
      { optional: 'all', description: "PaddleFlow's CreatePipelineRequest; also the body of an update." },
    ),
    PipelineCreated: object({ pipelineID: string(), pipelineVersionID: string(), name: string() }),
    PipelineUpdated: object({ pipelineID: string(), pipelineVersionID: string('The new version.') }),
    PipelineBrief: object(
      {
        pipelineID: string(),
        name: string("The YAML's `name`."),
        desc: string(),
        username: string('The owner.'),
        createTime: localTime,
        updateTime: localTime,
      },
      { description: "PaddleFlow's PipelineBrief." },
    ),
    PipelineVersionBrief: object(
      {
        pipelineVersionID: string(),
        pipelineID: string(),
        fsName: string(),
        yamlPath: string(),
        pipelineYaml: string('The YAML text.'),
        username: string(),
        createTime: localTime,
        updateTime: localTime,
      },
      { description: "PaddleFlow's PipelineVersionBrief." },
    ),
    PipelineList: markerList('pipelineList', ref('PipelineBrief')),
    PipelineDetail: object({
      pipeline: ref('PipelineBrief'),
      pplVersions: markerList('pplVersionList', ref('PipelineVersionBrief')),
    }),
    PipelineVersionDetail: object({
      pipeline: ref('PipelineBrief'),
      pipelineVersion: ref('PipelineVersionBrief'),
    }),
  },
  paths: {
    '/pipeline': {
      get: operation({
        id: 'listPipelines',
        summary: 'List pipelines',
        description: "The caller's own; root sees everyone's and may filter by user.",
        paged: 'marker',
        parameters: [
          filterParameter('userFilter', "these owners' pipelines (root only)"),
          filterParameter('nameFilter', 'the pipelines of these names'),
        ],
        responses: { 200: body('A page of pipelines.', ref('PipelineList')) },
        errors: { 403: ['AccessDenied'] },
      }),
      post: operation({
        id: 'createPipeline',
        summary: 'Create a pipeline',
        description:
          'Its first version. The YAML is validated as a run would validate it; its `name` names the pipeline, ' +
          'unique per user.',
        requestBody: { required: true, schema: ref('PipelineRequest') },
        responses: { 201: body('The pipeline and its first version.', ref('PipelineCreated')) },
        errors: { 400: [...SOURCE_ERRORS, 'DuplicatedName'], 403: ['AccessDenied'] },
      }),
    },
    '/pipeline/{pipelineID}': {
      get: operation({
        id: 'getPipeline',
        summary: 'Show a pipeline and its versions',
        paged: 'marker',
        parameters: [pipelineID, filterParameter('fsFilter', 'the versions read from these file systems')],
        responses: { 200: body('The pipeline and a page of its versions.', ref('PipelineDetail')) },
        errors: { 403: ['AccessDenied'], 404: ['PipelineNotFound'] },
      }),
      post: operation({
        id: 'updatePipeline',
        summary: 'Add a version to a pipeline',
        description: "The YAML must keep the pipeline's name. The request's `desc` becomes the pipeline's.",
        parameters: [pipelineID],
        requestBody: { required: true, schema: ref('PipelineRequest') },
        responses: { 201: body('The new version.', ref('PipelineUpdated')) },
        errors: { 400: [...SOURCE_ERRORS], 403: ['AccessDenied'], 404: ['PipelineNotFound'] },
      }),
      delete: operation({
        id: 'deletePipeline',
        summary: 'Delete a pipeline',
        description: 'With all its versions; refused while a running schedule uses it.',
        parameters: [pipelineID],
        responses: { 200: noBody('The pipeline was deleted.') },
        errors: { 403: ['AccessDenied', 'ActionNotAllowed'], 404: ['PipelineNotFound'] },
      }),
    },
    '/pipeline/{pipelineID}/{pipelineVersionID}': {
      get: operation({
        id: 'getPipelineVersion',
        summary: 'Show a pipeline version',
        parameters: [pipelineID, pipelineVersionID],
        responses: { 200: body('The pipeline and the version.', ref('PipelineVersionDetail')) },
        errors: { 403: ['AccessDenied'], 404: ['PipelineNotFound'] },
      }),
      delete: operation({
        id: 'deletePipelineVersion',
        summary: 'Delete a pipeline version',
        description: 'Refused for the last version, and for one a running schedule uses.',
        parameters: [pipelineID, pipelineVersionID],
        responses: { 200: noBody('The version was deleted.') },
        errors: { 403: ['AccessDenied', 'ActionNotAllowed'], 404: ['PipelineNotFound'] },
      }),
    },
  },
};
