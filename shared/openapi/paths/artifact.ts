import {
  body,
  filterParameter,
  noBody,
  object,
  oneOfStrings,
  operation,
  queryParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';
import { localTime, markerList } from '../components.ts';

export const artifactDoc: ResourceDoc<'artifact'> = {
  description:
    "PaddleFlow's artifact events: a step's input artifacts when it starts, its outputs when it succeeds.",
  schemas: {
    ArtifactEvent: object(
      {
        runID: string(),
        fsname: string(),
        username: string(),
        artifactPath: string(),
        step: string(),
        jobID: string('Empty for a cache hit.'),
        type: oneOfStrings(['input', 'output']),
        artifactName: string(),
        meta: string(),
        createTime: localTime,
        updateTime: localTime,
      },
      { description: "PaddleFlow's ArtifactEvent." },
    ),
    ArtifactEventList: markerList('artifactEventList', ref('ArtifactEvent')),
  },
  paths: {
    '/artifact': {
      get: operation({
        id: 'listArtifactEvents',
        summary: 'List artifact events',
        description: "The caller's own; root sees everyone's.",
        paged: 'marker',
        parameters: [
          filterParameter('userFilter', "these users' events (root only)"),
          filterParameter('fsFilter', 'the events of these file systems'),
          filterParameter('runFilter', 'the events of these runs'),
          filterParameter('typeFilter', 'these types: `input`, `output`'),
          filterParameter('pathFilter', 'the events of these artifact paths'),
        ],
        responses: { 200: body('A page of artifact events.', ref('ArtifactEventList')) },
        errors: { 400: ['InvalidArguments'] },
      }),
      delete: operation({
        id: 'deleteArtifactEvents',
        summary: 'Delete artifact events',
        description: 'The events of one run and artifact path. Query keys are read exactly as spelled.',
        parameters: [
          queryParameter('username', "Root only: this user's events (anyone else: their own)."),
          queryParameter('fsname', 'The fs.', { required: true }),
          queryParameter('runID', 'The run.', { required: true }),
          queryParameter('path', 'The artifact path.', { required: true }),
        ],
        responses: { 200: noBody('The events were deleted.') },
        errors: { 400: ['InvalidURI'] },
      }),
    },
  },
};
