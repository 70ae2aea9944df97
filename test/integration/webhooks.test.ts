/**
 * Webhooks over HTTP on the local runtime (Floe's extension): the `/webhook` API's rules, and Floe's status
 * events POSTed to a real receiver in the test process: every run and job transition of the owner's runs, to
 * the owner's webhooks and root's only, filtered by a webhook's pattern, signed with its secret.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectError, startWithUsers } from '../support/api.ts';
import { call, type FloeProcess, type Reply } from '../support/floe-process.ts';
import { pipelineClient, TIME } from '../support/pipelines.ts';
import { jobsOf, runClient } from '../support/runs.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: events are inspected field by field
  event: any;
}

let floe: FloeProcess;
let root: string;
let alice: string;
let bobby: string;
let receiver: Server;
let receiverUrl: string;
/** What the receiver got, by path. */
const received = new Map<string, Received[]>();

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const path = request.url ?? '';
      const list = received.get(path) ?? [];
      list.push({ headers: request.headers, body, event: JSON.parse(body) });
      received.set(path, list);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  let tokens: Record<string, string>;
  ({ floe, root, tokens } = await startWithUsers(['alice', 'bobby']));
  ({ alice, bobby } = tokens as { alice: string; bobby: string });
}, 60_000);
afterAll(async () => {
  await floe?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

const pipelines = pipelineClient(() => floe);
const { submit, waitFor } = runClient(() => floe);
const get = (token: string, path: string) => call(floe.api, 'GET', path, { token });
const postWebhook = (token: string, body: unknown) => call(floe.api, 'POST', '/webhook', { token, body });
const deleteWebhook = (token: string, id: string) => call(floe.api, 'DELETE', `/webhook/${id}`, { token });
/** What the receiver got at `path` about run `runId`. */
const about = (path: string, runId: string) =>
  (received.get(path) ?? []).filter((delivery) => delivery.event.detail.runID === runId);

async function createWebhook(token: string, body: Record<string, unknown>): Promise<string> {
  const reply = await postWebhook(token, body);
  expect(reply.status, reply.text).toBe(201);
  expect(reply.json).toEqual({ webhookID: expect.stringMatching(/^webhook-\d{6}$/) });
  return reply.json.webhookID as string;
}

const twoSteps = (name: string) => `name: ${name}
docker_env: img
entry_points:
  first:
    command: echo first
  second:
    deps: first
    command: echo second
`;

describe('the /webhook API', () => {
  it('creates, shows, lists and deletes a webhook; the secret never comes back; only owner and root reach it', async () => {
    const url = `${receiverUrl}/api-shown`;
    const pattern = { 'detail-type': ['Floe Run Status Change'] };
    const id = await createWebhook(alice, { url, pattern, secret: 'never-shown-secret' });
    const view = {
      webhookID: id,
      username: 'alice',
      url,
      pattern,
      hasSecret: true,
      createTime: expect.stringMatching(TIME),
    };
    const shown = await get(alice, `/webhook/${id}`);
    expect(shown.status, shown.text).toBe(200);
    expect(shown.json).toEqual(view);
    expect(shown.text).not.toContain('never-shown-secret');
    const listed = await get(alice, '/webhook');
    expect(listed.status, listed.text).toBe(200);
    expect(listed.json).toEqual({ maxKeys: 50, isTruncated: false, webhookList: [view] });
    expect(listed.text).not.toContain('never-shown-secret');
    const plain = await createWebhook(alice, { url: `${receiverUrl}/api-plain` });
    expect((await get(alice, `/webhook/${plain}`)).json).toMatchObject({ pattern: null, hasSecret: false });
    const blank = await createWebhook(alice, { url: `${receiverUrl}/api-plain`, secret: '' });
    expect((await get(alice, `/webhook/${blank}`)).json.hasSecret).toBe(false);

    // Root sees it, and may filter by user; bobby neither sees nor touches it.
    const rootsShown = await get(root, `/webhook/${id}`);
    expect(rootsShown.json).toEqual(view);
    expect(rootsShown.text).not.toContain('never-shown-secret');
    const rootsList = await get(root, '/webhook?userFilter=alice');
    expect(rootsList.json.webhookList.map((w: Reply['json']) => w.webhookID)).toEqual([id, plain, blank]);
    expect(rootsList.text).not.toContain('never-shown-secret');
    expect((await get(bobby, '/webhook')).json.webhookList).toEqual([]);
    expectError(await get(bobby, '/webhook?userFilter=alice'), 403, 'AccessDenied', 'only root');
    const denied = `user[bobby] has no access to resource[webhook] with ID[${id}]`;
    expectError(await get(bobby, `/webhook/${id}`), 403, 'AccessDenied', denied);
    expectError(await deleteWebhook(bobby, id), 403, 'AccessDenied', denied);
    expect((await get(alice, `/webhook/${id}`)).json).toEqual(view);

    for (const webhook of [id, plain, blank]) {
      const deleted = await deleteWebhook(alice, webhook);
      expect(deleted.status, deleted.text).toBe(200);
      expect(deleted.text).toBe('');
    }
    expectError(await get(alice, `/webhook/${id}`), 404, 'WebhookNotFound', `webhook[${id}] not found`);
    expectError(await deleteWebhook(alice, id), 404, 'WebhookNotFound');
    expectError(await get(alice, '/webhook/webhook-999999'), 404, 'WebhookNotFound', 'webhook-999999');
    expectError(await get(alice, '/webhook/nonsense'), 404, 'WebhookNotFound', 'nonsense');
    expect((await get(alice, '/webhook')).json.webhookList).toEqual([]);
  });

  it('refuses a bad url, pattern or secret with 400 naming the problem, and creates nothing', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ url: '' }, 'InvalidArguments', 'url[] is invalid'],
      [{ url: undefined }, 'InvalidArguments', 'url[] is invalid'],
      [{ url: 'not a url' }, 'InvalidArguments', 'url[not a url] is invalid'],
      [{ url: '/relative/hook' }, 'InvalidArguments', 'url[/relative/hook] is invalid'],
      [{ url: 'ftp://example.com/hook' }, 'InvalidArguments', 'http:// or https://'],
      [{ url: 'file:///etc/passwd' }, 'InvalidArguments', 'url[file:///etc/passwd] is invalid'],
      [{ url: `https://example.com/${'x'.repeat(2048)}` }, 'InvalidArguments', 'at most 2048 characters'],
      [{ url: 42 }, 'MalformedJSON', 'url'],
      [
        { pattern: { source: 'floe' } },
        'InvalidArguments',
        'pattern is invalid: pattern.source: must be an array',
      ],
      [
        { pattern: { detail: { newStatus: [{ foo: 1 }] } } },
        'InvalidArguments',
        'pattern is invalid: pattern.detail.newStatus: unknown filter "foo"',
      ],
      [{ pattern: 'succeeded' }, 'InvalidArguments', 'pattern is invalid: pattern: must be a JSON object'],
      [{ secret: 's'.repeat(257) }, 'InvalidArguments', 'secret is longer than 256 characters'],
    ];
    for (const [change, code, text] of cases) {
      expectError(await postWebhook(alice, { url: `${receiverUrl}/refused`, ...change }), 400, code, text);
    }
    expect((await get(alice, '/webhook')).json.webhookList).toEqual([]);
  });
});

/** The statuses an event chain goes through, from nothing: each event's old status is the one before's new. */
function chainOf(deliveries: Received[]): string[] {
  const byOld = new Map<string, Received>();
  for (const delivery of deliveries) {
    const old = delivery.event.detail.oldStatus ?? '';
    expect(byOld.has(old), `two changes from [${old}]`).toBe(false);
    byOld.set(old, delivery);
  }
  const statuses = [''];
  for (let at = byOld.get(''); at; at = byOld.get(at.event.detail.newStatus)) {
    statuses.push(at.event.detail.newStatus);
    if (statuses.length > deliveries.length + 1) break;
  }
  expect(statuses.length - 1, 'every change is on one chain').toBe(deliveries.length);
  return statuses;
}

const RUN_CHANGE = 'Floe Run Status Change';
const JOB_CHANGE = 'Floe Job Status Change';
const ids = (deliveries: Received[]) => deliveries.map((delivery) => delivery.event.id).sort();
/** Whether a delivery about the run's end has arrived. */
const ended = (path: string, runId: string) =>
  about(path, runId).some(
    (d) => d.event['detail-type'] === RUN_CHANGE && d.event.detail.newStatus === 'succeeded',
  );
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('deliveries', () => {
  const secret = 'shared-with-the-receiver';
  beforeAll(async () => {
    await createWebhook(alice, { url: `${receiverUrl}/alice-all` });
    await createWebhook(alice, {
      url: `${receiverUrl}/alice-succeeded`,
      pattern: { detail: { newStatus: ['succeeded'] } },
    });
    await createWebhook(alice, {
      url: `${receiverUrl}/alice-run-ends`,
      pattern: { 'detail-type': [RUN_CHANGE], detail: { newStatus: ['succeeded', 'failed'] } },
    });
    await createWebhook(alice, { url: `${receiverUrl}/alice-signed`, secret });
    const gone = await createWebhook(alice, { url: `${receiverUrl}/alice-deleted` });
    expect((await deleteWebhook(alice, gone)).status).toBe(200);
    await createWebhook(bobby, { url: `${receiverUrl}/bobby-all` });
    await createWebhook(root, { url: `${receiverUrl}/root-all` });
  });

  it("POSTs every run and job transition of a run to its owner's webhooks and root's, not another user's", async () => {
    const runId = await submit(alice, twoSteps('hooked'));
    const run = await waitFor(alice, runId);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const jobs = jobsOf(run);
    await vi.waitFor(
      () => {
        for (const path of ['/alice-all', '/alice-signed', '/alice-succeeded', '/root-all']) {
          expect(ended(path, runId), path).toBe(true);
        }
      },
      { timeout: 10_000, interval: 50 },
    );
    // The run's own last pass publishes its jobs' last changes with its end: wait for all of them to land.
    const expectedCount = 3 + 2 * 3;
    await vi.waitFor(() => expect(about('/alice-all', runId)).toHaveLength(expectedCount), {
      timeout: 5_000,
      interval: 50,
    });

    const all = about('/alice-all', runId);
    for (const { event, headers, body } of all) {
      expect(event).toMatchObject({ version: '0', source: 'floe', resources: [] });
      expect(event.detail).toMatchObject({ runID: runId, runName: 'hooked', username: 'alice' });
      expect(event.detail.time).toBe(event.time);
      expect(headers['content-type']).toBe('application/json');
      expect(headers['user-agent']).toBe('floe');
      expect(headers['x-floe-event-id']).toBe(event.id);
      expect(headers['x-floe-signature']).toBeUndefined();
      expect(JSON.parse(body)).toEqual(event);
    }
    // Each event once, and each a link of a chain from nothing to succeeded.
    expect(new Set(ids(all)).size).toBe(all.length);
    const runChanges = all.filter((d) => d.event['detail-type'] === RUN_CHANGE);
    expect(chainOf(runChanges)).toEqual(['', 'pending', 'running', 'succeeded']);
    const jobChanges = all.filter((d) => d.event['detail-type'] === JOB_CHANGE);
    expect(jobChanges.length + runChanges.length).toBe(all.length);
    for (const step of ['first', 'second']) {
      const jobID = jobs[step]![0].jobID;
      const changes = jobChanges.filter((d) => d.event.detail.jobID === jobID);
      for (const { event } of changes) {
        expect(event.detail).toMatchObject({ stepName: step, path: step, attempt: 1 });
      }
      expect(chainOf(changes), step).toEqual(['', 'pending', 'running', 'succeeded']);
    }

    // Root's webhook and the signed one got the very same events.
    expect(ids(about('/root-all', runId))).toEqual(ids(all));
    const signed = about('/alice-signed', runId);
    expect(ids(signed)).toEqual(ids(all));
    for (const { body, headers } of signed) {
      const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      expect(headers['x-floe-signature']).toBe(expected);
    }
    // A pattern lets through only what it matches: here the three changes to succeeded, there the run's end.
    const succeeded = about('/alice-succeeded', runId);
    expect(ids(succeeded)).toEqual(ids(all.filter((d) => d.event.detail.newStatus === 'succeeded')));
    expect(succeeded.map((d) => d.event['detail-type']).sort()).toEqual([JOB_CHANGE, JOB_CHANGE, RUN_CHANGE]);
    expect(ids(about('/alice-run-ends', runId))).toEqual(
      ids(succeeded.filter((d) => d.event['detail-type'] === RUN_CHANGE)),
    );

    // Neither another user's webhook nor a deleted one got anything (the others had it all by now).
    await pause(300);
    expect(about('/alice-all', runId)).toHaveLength(expectedCount);
    expect(received.get('/bobby-all') ?? []).toEqual([]);
    expect(received.get('/alice-deleted') ?? []).toEqual([]);
  }, 30_000);

  it("sends another user's run to that user's and root's webhooks only, with its pipeline named", async () => {
    const pipelineID = await pipelines.create(bobby, 'bobs_pipeline');
    const reply = await call(floe.api, 'POST', '/run', {
      token: bobby,
      body: { pipelineID, pipelineVersionID: '1', name: 'bobs_run' },
    });
    expect(reply.status, reply.text).toBe(201);
    const runId = reply.json.runID as string;
    expect((await waitFor(bobby, runId)).status).toBe('succeeded');
    await vi.waitFor(
      () => {
        expect(ended('/bobby-all', runId)).toBe(true);
        expect(ended('/root-all', runId)).toBe(true);
      },
      { timeout: 10_000, interval: 50 },
    );
    const bobbys = about('/bobby-all', runId);
    for (const { event } of bobbys) {
      expect(event.detail).toMatchObject({
        runID: runId,
        runName: 'bobs_run',
        username: 'bobby',
        pipelineID,
        pipelineVersionID: '1',
      });
    }
    expect(chainOf(bobbys.filter((d) => d.event['detail-type'] === RUN_CHANGE))).toEqual([
      '',
      'pending',
      'running',
      'succeeded',
    ]);
    await pause(300);
    for (const path of ['/alice-all', '/alice-signed', '/alice-succeeded', '/alice-run-ends']) {
      expect(about(path, runId), path).toEqual([]);
    }
    expect(ids(about('/root-all', runId))).toEqual(ids(about('/bobby-all', runId)));
  }, 30_000);

  it('sends a failed run its failure, to a pattern that asks for it', async () => {
    const runId = await submit(
      alice,
      'name: failing\ndocker_env: img\nentry_points:\n  boom:\n    command: exit 3\n',
    );
    expect((await waitFor(alice, runId)).status).toBe('failed');
    await vi.waitFor(() => expect(about('/alice-all', runId)).toHaveLength(6), {
      timeout: 10_000,
      interval: 50,
    });
    const all = about('/alice-all', runId);
    expect(chainOf(all.filter((d) => d.event['detail-type'] === RUN_CHANGE))).toEqual([
      '',
      'pending',
      'running',
      'failed',
    ]);
    expect(chainOf(all.filter((d) => d.event['detail-type'] === JOB_CHANGE))).toEqual([
      '',
      'pending',
      'running',
      'failed',
    ]);
    const jobFailed = all.find(
      (d) => d.event['detail-type'] === JOB_CHANGE && d.event.detail.newStatus === 'failed',
    );
    expect(jobFailed!.event.detail).toMatchObject({ stepName: 'boom', jobMessage: expect.any(String) });
    await vi.waitFor(() => expect(about('/alice-run-ends', runId)).toHaveLength(1), {
      timeout: 10_000,
      interval: 50,
    });
    const [end] = about('/alice-run-ends', runId);
    expect(end!.event.detail).toMatchObject({ runID: runId, oldStatus: 'running', newStatus: 'failed' });
    await pause(300);
    expect(about('/alice-succeeded', runId)).toEqual([]);
    expect(about('/alice-run-ends', runId)).toHaveLength(1);
  }, 30_000);
});
