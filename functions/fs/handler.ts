import * as z from 'zod/mini';
import { authenticate } from '../../shared/app/core.ts';
import { fileSystemService, timeListPaging } from '../../shared/app/filesystems.ts';
import { readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { created, empty, ok } from '../../shared/http/response.ts';
import type { FileSystemInput } from '../../shared/services/filesystems.ts';
import { type FileSystemRecord, fileSystemPosition } from '../../shared/store/filesystems.ts';

/** PaddleFlow's CreateFileSystemRequest, also the body of PUT /fs. */
const FileSystemBody = z.object({
  name: z.optional(z.string()),
  url: z.optional(z.string()),
  properties: z.optional(z.nullable(z.record(z.string(), z.string()))),
  username: z.optional(z.string()),
  independentMountProcess: z.optional(z.boolean()),
});

function readFileSystem(body: unknown): FileSystemInput {
  const {
    name = '',
    url = '',
    properties,
    username,
    independentMountProcess,
  } = readBody(FileSystemBody, body);
  return { name, url, properties: properties ?? {}, username, independentMountProcess };
}

/** PaddleFlow's FileSystemResponse. Secret properties are as stored: sealed. */
const fsView = (fs: FileSystemRecord) => ({
  id: fs.id,
  name: fs.name,
  serverAddress: fs.serverAddress,
  type: fs.type,
  subPath: fs.subPath,
  username: fs.username,
  properties: fs.properties,
  independentMountProcess: fs.independentMountProcess,
});

const LIST = 'fs';

export const handler = resourceHandler(
  'fs',
  {
    'POST /fs': async ({ actor, body }) => {
      const fs = await fileSystemService().create(actor, readFileSystem(body));
      return created({ fsName: fs.name, fsID: fs.id });
    },

    'PUT /fs': async ({ actor, body }) => {
      const fs = await fileSystemService().update(actor, readFileSystem(body));
      return created({ fsName: fs.name, fsID: fs.id });
    },

    'GET /fs': async ({ actor, query }) => {
      const paging = await timeListPaging(LIST, query);
      const page = await fileSystemService().list(actor, {
        username: query.username,
        fsName: query.fsName,
        ...paging.request,
      });
      return ok(paging.envelope(page, 'fsList', fsView, fileSystemPosition));
    },

    'GET /fs/{fsName}': async ({ actor, params, query }) =>
      ok(fsView(await fileSystemService().get(actor, params.fsName!, query.username))),

    'DELETE /fs/{fsName}': async ({ actor, params, query }) => {
      await fileSystemService().delete(actor, params.fsName!, query.username);
      return empty();
    },
  },
  { authenticate },
);
