/** `/webhook` (Floe's extension, in PaddleFlow's conventions): where an owner's status events are POSTed. */
import * as z from 'zod/mini';
import { authenticate, listPaging } from '../../shared/app/core.ts';
import { webhookService } from '../../shared/app/webhooks.ts';
import { readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { listFilter } from '../../shared/http/list-filter.ts';
import { created, empty, ok } from '../../shared/http/response.ts';
import { localTimeOf } from '../../shared/http/time.ts';
import type { WebhookRecord } from '../../shared/store/webhooks.ts';

const CreateBody = z.object({
  url: z.optional(z.string()),
  pattern: z.optional(z.unknown()),
  secret: z.optional(z.string()),
});

/** The secret never leaves the server: only whether there is one. */
const webhookView = (webhook: WebhookRecord) => ({
  webhookID: webhook.id,
  username: webhook.owner,
  url: webhook.url,
  pattern: webhook.pattern ?? null,
  hasSecret: webhook.sealedSecret !== undefined,
  createTime: localTimeOf(webhook.createdAt),
});

const LIST = 'webhook';

export const handler = resourceHandler(
  'webhook',
  {
    'POST /webhook': async ({ actor, body }) => {
      const { url = '', pattern, secret } = readBody(CreateBody, body);
      const webhook = await webhookService().create(actor, { url, pattern, secret });
      return created({ webhookID: webhook.id });
    },

    'GET /webhook': async ({ actor, query }) => {
      const paging = await listPaging(LIST, query);
      const filter = listFilter(query, ['owners']);
      const page = await webhookService().list(actor, filter, paging.request);
      return ok(paging.envelope(page, 'webhookList', webhookView));
    },

    'GET /webhook/{webhookID}': async ({ actor, params }) =>
      ok(webhookView(await webhookService().get(actor, params.webhookID!))),

    'DELETE /webhook/{webhookID}': async ({ actor, params }) => {
      await webhookService().delete(actor, params.webhookID!);
      return empty();
    },
  },
  { authenticate },
);
