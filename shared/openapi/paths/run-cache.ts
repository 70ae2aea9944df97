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

const runCacheID = pathParameter('runCacheID', 'The cache row: `cch-000001`.');

export const runCacheDoc: ResourceDoc<'runCache'> = {
  description: "PaddleFlow's run cache: the jobs whose results later jobs with the same fingerprints take.",
  schemas: {
    RunCache: object(
      {
        cacheID: string(),
        firstFp: string(),
        secondFp: string(),
        runID: string(),
        source: string(),
        jobID: string(),
        fsname: string("Lowercase, unlike the run's `fsName`, as in PaddleFlow."),
        username: string(),
        expiredTime: string('Seconds, or `-1` for never.'),
        strategy: string('`conservative`.'),
        custom: string(),
        createTime: localTime,
        updateTime: localTime,
      },
      { description: "PaddleFlow's RunCache." },
    ),
    RunCacheList: markerList('runCacheList', ref('RunCache')),
  },
  paths: {
    '/runCache': {
      get: operation({
        id: 'listRunCaches',
        summary: 'List run cache rows',
        description: "The caller's own; root sees everyone's.",
        paged: 'marker',
        parameters: [
          filterParameter('userFilter', "these users' rows (root only)"),
          filterParameter('fsFilter', 'the rows of these file systems'),
          filterParameter('runFilter', 'the rows of these runs'),
        ],
        responses: { 200: body('A page of cache rows.', ref('RunCacheList')) },
      }),
    },
    '/runCache/{runCacheID}': {
      get: operation({
        id: 'getRunCache',
        summary: 'Show a run cache row',
        parameters: [runCacheID],
        responses: { 200: body('The cache row.', ref('RunCache')) },
        errors: { 403: ['AccessDenied'], 404: ['RunCacheNotFound'] },
      }),
      delete: operation({
        id: 'deleteRunCache',
        summary: 'Delete a run cache row',
        parameters: [runCacheID],
        responses: { 200: noBody('The cache row was deleted.') },
        errors: { 403: ['AccessDenied'], 404: ['RunCacheNotFound'] },
      }),
    },
  },
};
