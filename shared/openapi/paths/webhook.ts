import {
  body,
  boolean,
  filterParameter,
  noBody,
  nullable,
  object,
  operation,
  pathParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';
import { localTime, markerList } from '../components.ts';

const webhookID = pathParameter('webhookID', 'The webhook: `webhook-000001`.');

export const webhookDoc: ResourceDoc<'webhook'> = {
  description:
    "Floe's extension: where an owner's run, job and schedule status events are POSTed (root's get " +
    "everyone's), signed with `X-Floe-Signature: sha256=<HMAC of the body>` when the webhook has a secret.",
  schemas: {
    CreateWebhookRequest: object(
      {
        url: string('An absolute http(s) URL.'),
        pattern: ref('EventPattern'),
        secret: string('Signs the deliveries; never shown again.'),
      },
      { optional: 'all' },
    ),
    WebhookCreated: object({ webhookID: string() }),
    Webhook: object({
      webhookID: string(),
      username: string('The owner.'),
      url: string(),
      pattern: nullable(ref('EventPattern')),
      hasSecret: boolean(),
      createTime: localTime,
    }),
    WebhookList: markerList('webhookList', ref('Webhook')),
  },
  paths: {
    '/webhook': {
      get: operation({
        id: 'listWebhooks',
        summary: 'List webhooks',
        description: "The caller's own; root sees everyone's and may filter by user.",
        paged: 'marker',
        parameters: [filterParameter('userFilter', "these owners' webhooks (root only)")],
        responses: { 200: body('A page of webhooks.', ref('WebhookList')) },
        errors: { 403: ['AccessDenied'] },
      }),
      post: operation({
        id: 'createWebhook',
        summary: 'Create a webhook',
        requestBody: { required: true, schema: ref('CreateWebhookRequest') },
        responses: { 201: body('The webhook was created.', ref('WebhookCreated')) },
        errors: { 400: ['InvalidArguments'] },
      }),
    },
    '/webhook/{webhookID}': {
      get: operation({
        id: 'getWebhook',
        summary: 'Show a webhook',
        parameters: [webhookID],
        responses: { 200: body('The webhook.', ref('Webhook')) },
        errors: { 403: ['AccessDenied'], 404: ['WebhookNotFound'] },
      }),
      delete: operation({
        id: 'deleteWebhook',
        summary: 'Delete a webhook',
        parameters: [webhookID],
        responses: { 200: noBody('The webhook was deleted.') },
        errors: { 403: ['AccessDenied'], 404: ['WebhookNotFound'] },
      }),
    },
  },
};
