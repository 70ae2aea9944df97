/**
 * Webhooks below HTTP, on dynalite: the real service and store, delivering to a real HTTP server on loopback
 * that answers as receivers do (fine, flaky, down, refusing, hanging, redirecting).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo.ts';
import { type BusEvent, DETAIL_TYPES, FLOE_SOURCE } from '../../shared/runtime/events.ts';
import { type CreateWebhookRequest, WebhookService } from '../../shared/services/webhooks.ts';
import type { TableRef } from '../../shared/store/client.ts';
import { WebhookRepository } from '../../shared/store/webhooks.ts';
import { pfError } from '../support/pf-error.ts';
import { startTestTable, testCipher } from '../support/table.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let dynamo: LocalDynamo;
let ref: TableRef;
let repository: WebhookRepository;
let service: WebhookService;
let server: Server;
let base: string;
let closedPort: number;
const received: Received[] = [];
const warnings: Record<string, unknown>[] = [];
const hits = new Map<string, number>();

const alice = { name: 'alice' };
const bobby = { name: 'bobby' };
const carol = { name: 'carol' };
const root = { name: 'root' };

/** The receivers: `/ok/*` take everything; the others fail as their names say. */
function answer(path: string): number | undefined {
  const hit = (hits.get(path) ?? 0) + 1;
  hits.set(path, hit);
  if (path.startsWith('/ok/')) return 200;
  if (path === '/flaky') return hit === 1 ? 503 : 204;
  if (path === '/down') return 502;
  if (path === '/bad') return 400;
  if (path === '/redirect') return 302;
  return undefined; // `/slow`: never answers
}

beforeAll(async () => {
  ({ dynamo, ref } = await startTestTable());
  repository = new WebhookRepository(ref);
  service = new WebhookService({
    webhooks: repository,
    cipher: testCipher(),
    retry: { timeoutMs: 300, retryDelaysMs: [20, 20] },
    logger: { warn: (_message, details) => warnings.push(details) },
  });
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString() });
      const status = answer(path);
      if (status === undefined) return;
      if (status === 302) response.setHeader('location', `${base}/ok/redirected`);
      response.writeHead(status).end('{"message": "answers are not read"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await dynamo.close();
});

let events = 0;
const statusEvent = (detail: Record<string, unknown>, detailType: string = DETAIL_TYPES.run): BusEvent => ({
  version: '0',
  id: `status-${++events}`,
  'detail-type': detailType,
  source: FLOE_SOURCE,
  account: '000000000000',
  time: new Date().toISOString(),
  region: 'local',
  resources: [],
  detail,
});

const create = (actor: { name: string }, request: CreateWebhookRequest) => service.create(actor, request);
const receivedFor = (event: BusEvent) =>
  received.filter((request) => JSON.parse(request.body).id === event.id);

describe('create, read, list, delete', () => {
  it('stores a webhook with a PaddleFlow id and its secret sealed, and shows it to its owner and root', async () => {
    const pattern = { detail: { newStatus: ['failed'] } };
    const webhook = await create(alice, { url: `${base}/ok/crud`, pattern, secret: 's3cret' });
    expect(webhook).toMatchObject({ id: expect.stringMatching(/^webhook-\d{6}$/), owner: 'alice', pattern });
    expect(webhook.sealedSecret).toMatch(/^[0-9a-f]+$/);
    expect(webhook.sealedSecret).not.toContain(Buffer.from('s3cret').toString('hex'));
    expect(await service.get(alice, webhook.id)).toEqual(webhook);
    expect(await service.get(root, webhook.id)).toEqual(webhook);
    expect((await pfError(service.get(bobby, webhook.id))).code).toBe('AccessDenied');
    expect((await pfError(service.get(alice, 'webhook-999999'))).code).toBe('WebhookNotFound');
    expect((await pfError(service.get(alice, 'x'))).status).toBe(404);

    const plain = await create(alice, { url: `${base}/ok/plain`, secret: '' });
    expect(plain.sealedSecret).toBeUndefined();
    expect(plain.pattern).toBeUndefined();
    expect(await service.get(alice, plain.id)).toEqual(plain);

    const page = { limit: 1000 };
    const ids = (rows: { items: { id: string }[] }) => rows.items.map((row) => row.id);
    expect(ids(await service.list(alice, { owners: [] }, page))).toEqual(
      expect.arrayContaining([webhook.id, plain.id]),
    );
    expect(await service.list(bobby, { owners: [] }, page)).toEqual({ items: [], cursor: null });
    expect(ids(await service.list(root, { owners: ['ALICE'] }, page))).toContain(webhook.id);
    expect((await pfError(service.list(bobby, { owners: ['alice'] }, page))).code).toBe('AccessDenied');

    expect((await pfError(service.delete(bobby, webhook.id))).code).toBe('AccessDenied');
    await service.delete(alice, webhook.id);
    await service.delete(root, plain.id);
    expect((await pfError(service.get(alice, webhook.id))).code).toBe('WebhookNotFound');
  });

  it('refuses a URL that is not absolute http(s), a bad pattern, or a long secret', async () => {
    const refused = async (request: CreateWebhookRequest) => (await pfError(create(alice, request))).message;
    for (const url of [
      '',
      'ftp://example.com/x',
      'example.com/hook',
      '/hook',
      `http://x/${'a'.repeat(2048)}`,
    ]) {
      expect(await refused({ url })).toMatch(
        /^url\[.*\] is invalid: it must be an absolute http:\/\/ or https:\/\//,
      );
    }
    expect(await refused({ url: `${base}/ok/x`, pattern: { detail: 'failed' } })).toMatch(
      /^pattern is invalid: pattern\.detail: /,
    );
    expect(await refused({ url: `${base}/ok/x`, secret: 'x'.repeat(257) })).toMatch(
      /secret is longer than 256/,
    );
  });
});

describe('deliver', () => {
  it("POSTs an event to its owner's webhooks and root's whose pattern matches, signed where there is a secret", async () => {
    const all = await create(alice, { url: `${base}/ok/alice`, secret: 'alice-secret' });
    await create(alice, { url: `${base}/ok/alice-jobs`, pattern: { 'detail-type': [DETAIL_TYPES.job] } });
    await create(root, { url: `${base}/ok/root`, pattern: { detail: { newStatus: ['succeeded'] } } });
    await create(bobby, { url: `${base}/ok/bobby` });

    const event = statusEvent({ runID: 'run-000001', username: 'alice', newStatus: 'succeeded' });
    const deliveries = await service.deliver(event);
    expect(deliveries).toHaveLength(2);
    expect(deliveries.every((delivery) => delivery.ok && delivery.attempts === 1)).toBe(true);
    const requests = receivedFor(event);
    expect(requests.map((request) => request.path).sort()).toEqual(['/ok/alice', '/ok/root']);
    const signed = requests.find((request) => request.path === '/ok/alice')!;
    expect(JSON.parse(signed.body)).toEqual(event);
    expect(signed.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'floe',
      'x-floe-event-id': event.id,
    });
    // Checked as a receiver checks it, independently of Floe's code.
    const hmac = createHmac('sha256', 'alice-secret').update(signed.body).digest('hex');
    expect(signed.headers['x-floe-signature']).toBe(`sha256=${hmac}`);
    expect(requests.find((request) => request.path === '/ok/root')!.headers).not.toHaveProperty(
      'x-floe-signature',
    );

    // A job event of alice's that failed: her job webhook and her catch-all, not root's.
    const job = statusEvent({ username: 'alice', newStatus: 'failed' }, DETAIL_TYPES.job);
    await service.deliver(job);
    expect(
      receivedFor(job)
        .map((request) => request.path)
        .sort(),
    ).toEqual(['/ok/alice', '/ok/alice-jobs']);
    // An event without an owner goes to root's only.
    const ownerless = statusEvent({ newStatus: 'succeeded' });
    await service.deliver(ownerless);
    expect(receivedFor(ownerless).map((request) => request.path)).toEqual(['/ok/root']);

    await service.delete(alice, all.id);
    const after = statusEvent({ username: 'alice', newStatus: 'running' });
    expect(await service.deliver(after)).toEqual([]);
  });

  it('skips a stored pattern that no longer parses, and delivers to the others', async () => {
    const stored = async (pattern: Record<string, unknown>, path: string) => {
      const { id, seq } = await repository.allocateId();
      const record = { id, seq, owner: 'dave', url: `${base}${path}`, pattern, createdAt: '' };
      await repository.create(record);
    };
    await stored({ source: 'not an array' }, '/ok/dave-stale');
    await stored({ source: [FLOE_SOURCE] }, '/ok/dave-valid');
    const event = statusEvent({ username: 'dave', newStatus: 'running' });
    expect(await service.deliver(event)).toHaveLength(1);
    expect(receivedFor(event).map((request) => request.path)).toEqual(['/ok/dave-valid']);
  });

  it('retries network errors and 5xx, not 4xx or redirects, and never lets one webhook fail the others', async () => {
    const urls = {
      flaky: `${base}/flaky`,
      down: `${base}/down`,
      bad: `${base}/bad`,
      redirect: `${base}/redirect`,
      slow: `${base}/slow`,
      closed: `http://127.0.0.1:${closedPort}/gone`,
      fine: `${base}/ok/carol`,
    };
    const ids = new Map<string, string>();
    for (const [name, url] of Object.entries(urls)) ids.set((await create(carol, { url })).id, name);
    const event = statusEvent({ username: 'carol', newStatus: 'running' });
    const started = Date.now();
    const deliveries = await service.deliver(event);
    const outcome = Object.fromEntries(
      deliveries.map(({ webhookId, ok, status, attempts }) => [ids.get(webhookId), { ok, status, attempts }]),
    );
    expect(outcome).toEqual({
      flaky: { ok: true, status: 204, attempts: 2 },
      down: { ok: false, status: 502, attempts: 3 },
      bad: { ok: false, status: 400, attempts: 1 },
      redirect: { ok: false, status: 302, attempts: 1 },
      slow: { ok: false, status: undefined, attempts: 3 },
      closed: { ok: false, status: undefined, attempts: 3 },
      fine: { ok: true, status: 200, attempts: 1 },
    });
    // All at once: the three timeouts of the hanging one bound the whole delivery.
    expect(Date.now() - started).toBeLessThan(3_000);
    const errors = Object.fromEntries(deliveries.map(({ webhookId, error }) => [ids.get(webhookId), error]));
    expect(errors.slow).toBe('timed out');
    expect(errors.closed).toMatch(/ECONNREFUSED/);
    expect(received.some((request) => request.path === '/ok/redirected')).toBe(false);
    const warned = warnings.filter((warning) => warning.eventId === event.id);
    expect(warned.map((warning) => ids.get(warning.webhookId as string)).sort()).toEqual([
      'bad',
      'closed',
      'down',
      'redirect',
      'slow',
    ]);
  });
});
