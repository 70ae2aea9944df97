import {
  body,
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

const fsName = pathParameter('fsName', 'The file system the links belong to.');
const username = queryParameter('username', 'Root only: the fs of this user (ignored for anyone else).');

export const linkDoc: ResourceDoc<'link'> = {
  description: "PaddleFlow's links: other storage mounted at a path inside a file system.",
  schemas: {
    LinkRequest: object(
      {
        fsName: string('The fs to link into.'),
        fsPath: string('Where, inside the fs: it must not nest with another link.'),
        url: string('The storage linked.'),
        properties: nullable(map(string(), 'Storage options; secrets are kept sealed.')),
        username: string('Root only: the fs of this user.'),
      },
      { optional: 'all' },
    ),
    Link: object(
      {
        fsName: string(),
        fsPath: string(),
        serverAddress: string(),
        type: string(),
        username: string(),
        subPath: string(),
        properties: map(string(), 'As stored: secret values are sealed.'),
      },
      { description: "PaddleFlow's LinkResponse." },
    ),
    LinkList: timeList('linkList', ref('Link')),
  },
  paths: {
    '/link': {
      post: operation({
        id: 'createLink',
        summary: 'Create a link',
        requestBody: { required: true, schema: ref('LinkRequest') },
        responses: { 201: noBody('The link was created.') },
        errors: {
          400: [
            'InvalidLinkURL',
            'InvalidLinkProperties',
            'LinkFileSystemNotExist',
            'InvalidFileSystemFsName',
            'LinkPathExist',
            'InvalidArguments',
            'InvalidState',
          ],
        },
      }),
    },
    '/link/{fsName}': {
      get: operation({
        id: 'listLinks',
        summary: "List an fs's links",
        description:
          'Newest first, paged by time. With `fsPath`, only that link (400 LinkNotExist without it).',
        paged: 'time',
        parameters: [fsName, queryParameter('fsPath', 'Only the link at this path.'), username],
        responses: { 200: body('A page of links.', ref('LinkList')) },
        errors: { 400: ['LinkNotExist'], 404: ['RecordNotFound'] },
      }),
      delete: operation({
        id: 'deleteLink',
        summary: 'Delete a link',
        parameters: [fsName, queryParameter('fsPath', 'The link to delete.'), username],
        responses: { 200: noBody('The link was deleted.') },
        errors: { 400: ['LinkNotExist', 'InvalidState'] },
      }),
    },
  },
};
