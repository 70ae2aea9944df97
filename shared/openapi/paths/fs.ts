import {
  body,
  boolean,
  map,
  noBody,
  nullable,
  object,
  operation,
  pathParameter,
  queryParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';
import { timeList } from '../components.ts';

const fsName = pathParameter('fsName', "The file system's name.");
const username = queryParameter(
  'username',
  "Root only: the fs of this user (anyone else's `username` is ignored: it is always their own fs).",
);
const INVALID_FS: ('FileSystemNameFormatError' | 'InvalidFileSystemParamsURL')[] = [
  'FileSystemNameFormatError',
  'InvalidFileSystemParamsURL',
];

export const fsDoc: ResourceDoc<'fs'> = {
  description:
    "PaddleFlow's file systems: where pipelines read their YAML and steps their data. Each user has their own; " +
    "root may act on anyone's by naming `username`. Locally, `local://<dir>` file systems are mounted for steps; " +
    'on Fargate, `efs://<file system id>[/<path>]` ones of the deployment (no properties needed).',
  schemas: {
    FileSystemRequest: object(
      {
        name: string('Letters and digits, unique per user.'),
        url: string(
          '`local://<absolute dir>`, `efs://fs-<8 or 17 hex>[/<path>]`, `s3://<bucket>/<path>`, `hdfs://…`, `bos://…`, `sftp://…`, …',
        ),
        properties: nullable(
          map(string(), 'Storage options (credentials, endpoint…); secrets are kept sealed.'),
        ),
        username: string('Root only: create (or update) the fs of this user.'),
        independentMountProcess: boolean(),
      },
      { optional: 'all' },
    ),
    FileSystemCreated: object({ fsName: string(), fsID: string('`fs-<owner>-<name>`.') }),
    FileSystem: object(
      {
        id: string('`fs-<owner>-<name>`.'),
        name: string(),
        serverAddress: string(),
        type: string('The storage type: `local`, `s3`, `hdfs`, …'),
        subPath: string(),
        username: string('The owner.'),
        properties: map(string(), 'As stored: secret values are sealed.'),
        independentMountProcess: boolean(),
      },
      { description: "PaddleFlow's FileSystemResponse." },
    ),
    FileSystemList: timeList('fsList', ref('FileSystem')),
  },
  paths: {
    '/fs': {
      get: operation({
        id: 'listFileSystems',
        summary: 'List file systems',
        description:
          "Newest first, paged by time (`marker`, `maxKeys`, `truncated`). Root's own list is everyone's.",
        paged: 'time',
        parameters: [queryParameter('fsName', 'Only the fs of this name.'), username],
        responses: { 200: body('A page of file systems.', ref('FileSystemList')) },
      }),
      post: operation({
        id: 'createFileSystem',
        summary: 'Create a file system',
        requestBody: { required: true, schema: ref('FileSystemRequest') },
        responses: { 201: body('The fs was created.', ref('FileSystemCreated')) },
        errors: {
          400: [
            ...INVALID_FS,
            'InvalidFileSystemParamsProperties',
            'InvalidArguments',
            'DuplicatedName',
            'UserNotExist',
          ],
        },
      }),
      put: operation({
        id: 'updateFileSystem',
        summary: 'Update a file system',
        description:
          'The fs `(username, name)` takes the new `url`, `properties` and `independentMountProcess`; its id, ' +
          'creation time and links stay.',
        requestBody: { required: true, schema: ref('FileSystemRequest') },
        responses: { 201: body('The fs was updated.', ref('FileSystemCreated')) },
        errors: {
          400: [...INVALID_FS, 'InvalidFileSystemParamsProperties', 'InvalidArguments', 'InvalidState'],
          404: ['RecordNotFound'],
        },
      }),
    },
    '/fs/{fsName}': {
      get: operation({
        id: 'getFileSystem',
        summary: 'Show a file system',
        parameters: [fsName, username],
        responses: { 200: body('The fs.', ref('FileSystem')) },
        errors: { 404: ['RecordNotFound'] },
      }),
      delete: operation({
        id: 'deleteFileSystem',
        summary: 'Delete a file system',
        description: 'With its links. An fs that a running schedule uses is refused (403 ActionNotAllowed).',
        parameters: [fsName, username],
        responses: { 200: noBody('The fs was deleted.') },
        errors: { 400: ['InvalidState'], 403: ['ActionNotAllowed'], 404: ['RecordNotFound'] },
      }),
    },
  },
};
