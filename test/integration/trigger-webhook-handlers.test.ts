/**
 * The trigger, event and webhook routes and the two rule targets as Lambda handlers, called in-process with API
 * Gateway v2 events on dynalite: the wire shapes of each route. The bus and the mailbox are recording adapters of
 * their ports, registered as the local runtime registers its own (the HTTP tests run against the real ones).
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FloeContext } from '../../shared/http/context.ts';
import type { HttpResult } from '../../shared/http/response.ts';
import {
  type BusEvent,
  DETAIL_TYPES,
  type EventEntry,
  FLOE_SOURCE,
  type TriggerRule,
} from '../../shared/runtime/events.ts';
import { RunRepository } from '../../shared/store/runs.ts';
import { startInProcessApp } from '../support/in-process.ts';
import { base64, TIME } from '../support/pipelines.ts';

type Handler = (event: APIGatewayProxyEventV2, context: FloeContext) => Promise<HttpResult>;

let app: Awaited<ReturnType<typeof startInProcessApp>>;
let runs: RunRepository;
let triggerApi: Handler;
let webhookApi: Handler;
let fire: (input: { triggerID: string; event: BusEvent }) => Promise<void>;
let deliver: (event: BusEvent) => Promise<void>;
let aliceToken: string;
let bobbyToken: string;
let pipelineId: string;
let server: Server;
let hookUrl: string;
let rules: Map<string, TriggerRule>;
let published: EventEntry[];
const hooked: { headers: Record<string, unknown>; body: string }[] = [];

const context = { getRemainingTimeInMillis: () => 10_000 } as unknown as FloeContext;

beforeAll(async () => {
  app = await startInProcessApp({ FLOE_ROOT_PASSWORD: 'rootpass1' });
  ({ rules, published } = app);
  const { ref } = app;
  runs = new RunRepository(ref);
  // The app modules read the environment when first called.
  const core = await import('../../shared/app/core.ts');
  const users = core.userService();
  const rootToken = await users.login('root', 'rootpass1');
  const root = await users.authenticate(rootToken);
  for (const name of ['alice', 'bobby']) await users.create(root, name, `${name}pass1`);
  aliceToken = await users.login('alice', 'alicepass1');
  bobbyToken = await users.login('bobby', 'bobbypass1');
  const { pipelineService } = await import('../../shared/app/pipelines.ts');
  const yaml =
    'name: hooked\ndocker_env: img\nentry_points:\n  main:\n    command: echo {{n}}\n    parameters:\n      n: 0\n';
  const { pipeline } = await pipelineService().create(
    { name: 'alice' },
    { yamlRaw: base64(yaml), fsName: '', yamlPath: '', username: '', desc: '' },
  );
  pipelineId = pipeline.id;
  triggerApi = (await import('../../functions/trigger/handler.ts')).handler as unknown as Handler;
  webhookApi = (await import('../../functions/webhook/handler.ts')).handler as unknown as Handler;
  fire = (await import('../../functions/trigger-target/handler.ts')).handler;
  deliver = (await import('../../functions/webhook-delivery/handler.ts')).handler;

  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hooked.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await app.close();
});

interface Call {
  token?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

/** One API call; `route` is the route's path pattern, `params` its values. */
async function call(api: Handler, method: string, route: string, options: Call = {}) {
  const path = route.replace(/\{(\w+)\}/g, (_, name: string) => options.params?.[name] ?? '');
  const result = await api(
    {
      version: '2.0',
      routeKey: `ANY /api/paddleflow/v1${route}`,
      rawPath: `/api/paddleflow/v1${path}`,
      rawQueryString: '',
      headers: { 'x-pf-authorization': options.token ?? aliceToken },
      requestContext: { http: { method, path } } as APIGatewayProxyEventV2['requestContext'],
      ...(options.params ? { pathParameters: options.params } : {}),
      ...(options.query ? { queryStringParameters: options.query } : {}),
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      isBase64Encoded: false,
    },
    context,
  );
  return {
    status: result.statusCode,
    text: result.body ?? '',
    json: result.body ? JSON.parse(result.body) : undefined,
  };
}

describe('/trigger and /event', () => {
  it('creates (201), shows, lists, updates, publishes to and deletes (empty 200) a trigger', async () => {
    const pattern = { source: ['shop'], detail: { kind: ['api'] } };
    const create = await call(triggerApi, 'POST', '/trigger', {
      body: {
        name: 'on_orders',
        desc: 'orders',
        pipelineID: pipelineId,
        pipelineVersionID: '1',
        pattern,
        parameters: { n: '$.detail.n' },
      },
    });
    expect(create.status, create.text).toBe(201);
    expect(create.json).toEqual({ triggerID: expect.stringMatching(/^trigger-\d{6}$/) });
    const triggerID = create.json.triggerID as string;
    expect(rules.get(triggerID)).toEqual({ triggerId: triggerID, pattern, enabled: true });

    const view = {
      triggerID,
      name: 'on_orders',
      desc: 'orders',
      pipelineID: pipelineId,
      pipelineVersionID: '1',
      username: 'alice',
      fsConfig: { username: '' },
      pattern,
      parameters: { n: '$.detail.n' },
      enabled: true,
      triggerMsg: '',
      createTime: expect.stringMatching(TIME),
      updateTime: expect.stringMatching(TIME),
    };
    const shown = await call(triggerApi, 'GET', '/trigger/{triggerID}', { params: { triggerID } });
    expect(shown.status).toBe(200);
    expect(shown.json).toEqual(view);
    const listed = await call(triggerApi, 'GET', '/trigger', { query: { pplFilter: pipelineId } });
    expect(listed.json).toEqual({ maxKeys: 50, isTruncated: false, triggerList: [view] });
    expect((await call(triggerApi, 'GET', '/trigger', { token: bobbyToken })).json.triggerList).toEqual([]);
    const denied = await call(triggerApi, 'GET', '/trigger/{triggerID}', {
      token: bobbyToken,
      params: { triggerID },
    });
    expect(denied.status).toBe(403);

    const updated = await call(triggerApi, 'PUT', '/trigger/{triggerID}', {
      params: { triggerID },
      body: { enabled: false, desc: 'paused' },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json).toEqual({ ...view, desc: 'paused', enabled: false });
    expect(rules.get(triggerID)?.enabled).toBe(false);

    const publish = await call(triggerApi, 'POST', '/event', {
      body: { source: 'shop', 'detail-type': 'order placed', detail: { kind: 'api', n: 3 } },
    });
    expect(publish.status, publish.text).toBe(201);
    expect(publish.json).toEqual({ eventID: expect.any(String) });
    expect(published.at(-1)).toEqual({
      source: 'shop',
      detailType: 'order placed',
      detail: { kind: 'api', n: 3 },
    });

    const deleted = await call(triggerApi, 'DELETE', '/trigger/{triggerID}', { params: { triggerID } });
    expect(deleted).toMatchObject({ status: 200, text: '' });
    expect(rules.has(triggerID)).toBe(false);
    const gone = await call(triggerApi, 'GET', '/trigger/{triggerID}', { params: { triggerID } });
    expect(gone.status).toBe(404);
    expect(gone.json).toMatchObject({ code: 'TriggerNotFound', message: `trigger[${triggerID}] not found` });
  });

  it('answers PaddleFlow errors naming the field', async () => {
    const body = { name: 'bad_one', pipelineID: pipelineId, pattern: { source: ['shop'] } };
    const typed = await call(triggerApi, 'POST', '/trigger', { body: { ...body, parameters: { n: 1 } } });
    expect(typed.status).toBe(400);
    expect(typed.json).toMatchObject({
      code: 'MalformedJSON',
      message: 'field [parameters.n] must be a string, got number',
    });
    const pattern = await call(triggerApi, 'POST', '/trigger', {
      body: { ...body, pattern: { source: 'shop' } },
    });
    expect(pattern.json).toMatchObject({
      code: 'InvalidArguments',
      message: expect.stringMatching(/^pattern is invalid: pattern\.source/),
    });
    const reserved = await call(triggerApi, 'POST', '/event', {
      body: { source: 'floe', detailType: 'x', detail: {} },
    });
    expect(reserved.status).toBe(400);
    expect(reserved.json.code).toBe('InvalidArguments');
    const impersonating = await call(triggerApi, 'POST', '/trigger', {
      token: bobbyToken,
      body: { ...body, username: 'alice' },
    });
    expect(impersonating.json.code).toBe('AuthIllegalUser');
  });

  it("runs the pipeline when the trigger function is invoked with a rule's input", async () => {
    const create = await call(triggerApi, 'POST', '/trigger', {
      body: {
        name: 'invoked',
        pipelineID: pipelineId,
        pattern: { source: ['shop'] },
        parameters: { n: '$.detail.n' },
      },
    });
    const triggerID = create.json.triggerID as string;
    const event: BusEvent = {
      version: '0',
      id: 'e7f0c6a2-invoked',
      'detail-type': 'order placed',
      source: 'shop',
      account: '111122223333',
      time: '2026-05-01T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { n: 5 },
    };
    await fire({ triggerID, event });
    await fire({ triggerID, event });
    const page = await runs.list(
      { owners: ['alice'], fsNames: [], runIds: [], names: ['invoked'], statuses: [] },
      { limit: 10 },
    );
    expect(page.items).toHaveLength(1);
    const run = (await runs.get(page.items[0]!.id))!;
    expect(run).toMatchObject({
      parameters: { n: 5 },
      description: 'triggered by event e7f0c6a2-invoked of shop/order placed',
    });
    expect(app.posted.map((post) => post.runId)).toContain(run.id);
  });
});

describe('/webhook', () => {
  it('creates (201), shows without the secret, lists, delivers signed and deletes (empty 200)', async () => {
    const create = await call(webhookApi, 'POST', '/webhook', {
      body: { url: hookUrl, secret: 'do-not-show', pattern: { 'detail-type': [DETAIL_TYPES.run] } },
    });
    expect(create.status, create.text).toBe(201);
    const webhookID = create.json.webhookID as string;
    expect(webhookID).toMatch(/^webhook-\d{6}$/);
    const view = {
      webhookID,
      username: 'alice',
      url: hookUrl,
      pattern: { 'detail-type': [DETAIL_TYPES.run] },
      hasSecret: true,
      createTime: expect.stringMatching(TIME),
    };
    const shown = await call(webhookApi, 'GET', '/webhook/{webhookID}', { params: { webhookID } });
    expect(shown.json).toEqual(view);
    const listed = await call(webhookApi, 'GET', '/webhook');
    expect(listed.json).toEqual({ maxKeys: 50, isTruncated: false, webhookList: [view] });
    expect(listed.text).not.toContain('do-not-show');
    expect(
      (await call(webhookApi, 'GET', '/webhook/{webhookID}', { token: bobbyToken, params: { webhookID } }))
        .status,
    ).toBe(403);
    const bad = await call(webhookApi, 'POST', '/webhook', { body: { url: 'file:///etc/passwd' } });
    expect(bad.json).toMatchObject({ code: 'InvalidArguments' });

    const event: BusEvent = {
      version: '0',
      id: 'status-1',
      'detail-type': DETAIL_TYPES.run,
      source: FLOE_SOURCE,
      account: '111122223333',
      time: '2026-05-01T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { runID: 'run-000001', username: 'alice', newStatus: 'succeeded' },
    };
    await deliver(event);
    expect(hooked).toHaveLength(1);
    expect(JSON.parse(hooked[0]!.body)).toEqual(event);
    expect(hooked[0]!.headers['x-floe-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);

    const deleted = await call(webhookApi, 'DELETE', '/webhook/{webhookID}', { params: { webhookID } });
    expect(deleted).toMatchObject({ status: 200, text: '' });
    expect((await call(webhookApi, 'GET', '/webhook/{webhookID}', { params: { webhookID } })).json.code).toBe(
      'WebhookNotFound',
    );
  });
});
