import * as z from 'zod/mini';
import { authenticate } from '../../shared/app/core.ts';
import { linkService, timeListPaging } from '../../shared/app/filesystems.ts';
import { readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { empty, ok } from '../../shared/http/response.ts';
import type { FileSystemRecord } from '../../shared/store/filesystems.ts';
import { type LinkRecord, linkPosition } from '../../shared/store/links.ts';

/** PaddleFlow's CreateLinkRequest. */
const LinkBody = z.object({
  fsName: z.optional(z.string()),
  fsPath: z.optional(z.string()),
  url: z.optional(z.string()),
  properties: z.optional(z.nullable(z.record(z.string(), z.string()))),
  username: z.optional(z.string()),
});

/** PaddleFlow's LinkResponse. Secret properties are as stored: sealed. */
const linkView = (fs: FileSystemRecord) => (link: LinkRecord) => ({
  fsName: fs.name,
  fsPath: link.fsPath,
  serverAddress: link.serverAddress,
  type: link.type,
  username: link.username,
  subPath: link.subPath,
  properties: link.properties,
});

const LIST = 'link';

export const handler = resourceHandler(
  'link',
  {
    'POST /link': async ({ actor, body }) => {
      const { fsName = '', fsPath = '', url = '', properties, username } = readBody(LinkBody, body);
      await linkService().create(actor, { fsName, fsPath, url, properties: properties ?? {}, username });
      return empty(201);
    },

    'GET /link/{fsName}': async ({ actor, params, query }) => {
      const paging = await timeListPaging(LIST, query);
      const { fs, ...page } = await linkService().list(actor, params.fsName!, {
        username: query.username,
        fsPath: query.fsPath,
        ...paging.request,
      });
      return ok(paging.envelope(page, 'linkList', linkView(fs), linkPosition));
    },

    'DELETE /link/{fsName}': async ({ actor, params, query }) => {
      await linkService().delete(actor, params.fsName!, query.fsPath, query.username);
      return empty();
    },
  },
  { authenticate },
);
