/**
 * The OpenAPI document as the local runtime serves it, and the runtime held to it: each answer below must be
 * a status the document gives its operation, with a body its schema accepts (error codes included).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PathItem, Response } from '../../shared/openapi/build.ts';
import { buildOpenApiDocument } from '../../shared/openapi/document.ts';
import { findRoute, gatewayPath } from '../../shared/routes.ts';
import { expectError, startWithUsers } from '../support/api.ts';
import { call, type FloeProcess, type Reply } from '../support/floe-process.ts';
import { base64 } from '../support/pipelines.ts';
import { runClient } from '../support/runs.ts';

const PREFIX = '/api/paddleflow/v1';
const document = buildOpenApiDocument();
const paths = document.paths as Record<string, PathItem>;

let floe: FloeProcess;
let root: string;
let alice: string;
beforeAll(async () => {
  let tokens: Record<string, string>;
  ({ floe, root, tokens } = await startWithUsers(['alice']));
  alice = tokens.alice!;
});
afterAll(async () => {
  await floe.stop();
});

const { localFs, waitFor } = runClient(() => floe);

/** Polls a node until `done` holds. */
async function waitForNode(path: string, done: (node: Reply['json']) => boolean) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const reply = await call(floe.api, 'GET', path, { token: alice });
    if (reply.status === 200 && done(reply.json)) return;
    if (Date.now() > deadline) throw new Error(`${path} never got there: ${reply.text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The documented response for a reply to `method path` (path under the prefix, with its query). */
function documentedResponse(method: string, path: string, reply: Reply): Response {
  const match = findRoute(`${PREFIX}${path.split('?')[0]}`);
  expect(match, path).not.toBeNull();
  const op = paths[gatewayPath(match!.route)]![method.toLowerCase() as 'get'];
  expect(op, `${method} ${path}`).toBeDefined();
  const response = op!.responses[String(reply.status)];
  expect(response, `${method} ${path}: ${reply.status} is not documented (${reply.text})`).toBeDefined();
  return response!;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = new Map<object, ReturnType<typeof ajv.compile>>();

/** Calls the API, expects `status`, and checks the reply against the document; returns the reply. */
async function conforming(
  status: number,
  method: string,
  path: string,
  options: Parameters<typeof call>[3] = {},
): Promise<Reply> {
  const reply = await call(floe.api, method, path, options);
  expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(status);
  const schema = documentedResponse(method, path, reply).content?.['application/json']?.schema;
  if (!schema) {
    expect(reply.text, `${method} ${path}`).toBe('');
    return reply;
  }
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile({ ...schema, components: document.components });
    validators.set(schema, validate);
  }
  expect(validate(reply.json), `${method} ${path}: ${JSON.stringify(validate.errors)}\n${reply.text}`).toBe(
    true,
  );
  return reply;
}

describe('GET /openapi.json', () => {
  it('serves the document without a token, as JSON with a request id', async () => {
    const reply = await call(floe.api, 'GET', '/openapi.json', { headers: { 'x-pf-request-id': 'oas-1' } });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('x-pf-request-id')).toBe('oas-1');
    expect(reply.json).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('serves it with a token too, and refuses other methods in PaddleFlow shape', async () => {
    expect((await call(floe.api, 'GET', '/openapi.json', { token: root })).status).toBe(200);
    expectError(await call(floe.api, 'POST', '/openapi.json'), 405, 'MethodNotAllowed');
  });
});

describe('the local runtime, held to the document', () => {
  it('answers every read without a path parameter, and login, as documented', async () => {
    let checked = 0;
    for (const [path, item] of Object.entries(paths)) {
      if (!item.get || path.includes('{')) continue;
      await conforming(path.endsWith('/task') ? 400 : 200, 'GET', path.slice(PREFIX.length), { token: root });
      checked++;
    }
    expect(checked).toBeGreaterThan(8);
    await conforming(200, 'POST', '/login', { body: { username: 'root', password: 'paddleflow' } });
    await conforming(400, 'POST', '/login', { body: { username: 'root', password: 'wrong1' } });
    await conforming(400, 'GET', '/run', { token: 'forged' });
    await conforming(400, 'GET', '/run?maxKeys=0', { token: alice });
  });

  it("answers a pipeline's, a run's, its nodes' and its tasks' reads and actions as documented", async () => {
    await localFs(alice, 'work');
    await conforming(200, 'GET', '/fs', { token: alice });
    await conforming(200, 'GET', '/fs/work', { token: alice });
    await conforming(404, 'GET', '/fs/nowhere', { token: alice });
    await conforming(200, 'GET', '/link/work', { token: alice });

    const yaml = `name: documented
docker_env: img
fs_options:
  main_fs: {name: work}
entry_points:
  gen:
    command: echo '[1, 2]' > {{items}}
    artifacts:
      output: [items]
  inner:
    deps: gen
    loop_argument: "{{items}}"
    artifacts:
      input: {items: "{{gen.items}}"}
    entry_points:
      each:
        command: echo $PF_LOOP_ARGUMENT
`;
    const created = await conforming(201, 'POST', '/pipeline', {
      token: alice,
      body: { yamlRaw: base64(yaml), desc: 'documented' },
    });
    const { pipelineID, pipelineVersionID } = created.json;
    await conforming(200, 'GET', '/pipeline', { token: alice });
    await conforming(200, 'GET', `/pipeline/${pipelineID}`, { token: alice });
    await conforming(200, 'GET', `/pipeline/${pipelineID}/${pipelineVersionID}`, { token: alice });
    await conforming(400, 'POST', '/pipeline', { token: alice, body: { yamlRaw: base64('name: [') } });

    const run = await conforming(201, 'POST', '/run', {
      token: alice,
      body: { fsName: 'work', pipelineID, pipelineVersionID },
    });
    const runId = run.json.runID as string;
    expect((await waitFor(alice, runId)).status).toBe('succeeded');
    await conforming(200, 'GET', '/run', { token: alice });
    await conforming(200, 'GET', `/run/${runId}`, { token: alice });
    await conforming(200, 'GET', `/run/${runId}`, { token: root });
    await conforming(404, 'GET', '/run/run-999999', { token: alice });
    await conforming(200, 'GET', `/run/${runId}/state`, { token: alice });
    const nodes = { gen: 200, 'inner[1]': 200, 'inner[1].each': 200, nothing: 404 };
    for (const [key, status] of Object.entries(nodes)) {
      const node = encodeURIComponent(key);
      await conforming(status, 'GET', `/run/${runId}/node/${node}`, { token: alice });
      await conforming(status, 'GET', `/run/${runId}/node/${node}/history`, { token: alice });
    }
    await conforming(403, 'PUT', `/run/${runId}/node/gen?action=pause`, { token: alice });
    await conforming(400, 'PUT', `/run/${runId}/node/gen?action=jump`, { token: alice });
    await conforming(400, 'PUT', `/run/${runId}/node/gen?action=callback`, {
      token: alice,
      body: { data: {} },
    });
    await conforming(403, 'PUT', `/run/${runId}?action=pause`, { token: alice });
    await conforming(200, 'GET', `/task?processInstanceId=${runId}`, { token: alice });
    await conforming(200, 'GET', `/task/${runId}.gen`, { token: alice });
    await conforming(403, 'PUT', `/task/${runId}.gen/reRun`, { token: alice });
    await conforming(200, 'GET', `/log/run/${runId}`, { token: alice });
    await conforming(400, 'GET', `/log/run/${runId}?pageSize=500`, { token: alice });
    await conforming(200, 'GET', '/runCache', { token: alice });
    await conforming(200, 'GET', `/artifact?runFilter=${runId}`, { token: alice });

    await conforming(403, 'PUT', `/run/${runId}?action=retry`, { token: alice });
    const mock = await conforming(201, 'POST', '/run', {
      token: alice,
      body: { fsName: 'work', runYamlRaw: base64(yaml), mock: true, debug: true },
    });
    await waitFor(alice, mock.json.runID);
    await conforming(200, 'GET', `/run/${mock.json.runID}`, { token: alice });
    await conforming(200, 'DELETE', `/run/${mock.json.runID}`, { token: alice });

    const waiting = await conforming(201, 'POST', '/run', {
      token: alice,
      body: {
        fsName: 'work',
        runYamlRaw: base64('name: waits\ndocker_env: img\nentry_points:\n  hook:\n    callback: {}\n'),
      },
    });
    const hook = `/run/${waiting.json.runID}/node/hook`;
    await waitForNode(hook, (node) => node.waitingSince !== undefined);
    await conforming(200, 'GET', hook, { token: alice });
    await conforming(200, 'PUT', `${hook}?action=callback`, {
      token: alice,
      body: { data: { build: 42 }, message: 'done' },
    });
    await waitFor(alice, waiting.json.runID);
    await conforming(200, 'GET', hook, { token: alice });
    await conforming(200, 'GET', `${hook}/history`, { token: alice });
    await conforming(400, 'PUT', `${hook}?action=approve`, { token: alice });
    await conforming(403, 'PUT', `${hook}?action=callback`, { token: alice });

    const schedule = await conforming(201, 'POST', '/schedule', {
      token: alice,
      body: { name: 'nightly', pipelineID, pipelineVersionID, crontab: '0 3 * * *' },
    });
    await conforming(200, 'GET', '/schedule', { token: alice });
    await conforming(200, 'GET', `/schedule/${schedule.json.scheduleID}`, { token: alice });
    await conforming(200, 'PUT', `/schedule/${schedule.json.scheduleID}`, { token: alice });
    await conforming(403, 'PUT', `/schedule/${schedule.json.scheduleID}`, { token: alice });

    const trigger = await conforming(201, 'POST', '/trigger', {
      token: alice,
      body: {
        name: 'on_upload',
        pipelineID,
        pipelineVersionID,
        pattern: { source: ['uploads'] },
        parameters: { key: '$.detail.key' },
      },
    });
    await conforming(200, 'GET', `/trigger/${trigger.json.triggerID}`, { token: alice });
    await conforming(200, 'PUT', `/trigger/${trigger.json.triggerID}`, {
      token: alice,
      body: { enabled: false },
    });
    await conforming(201, 'POST', '/event', {
      token: alice,
      body: { source: 'uploads', 'detail-type': 'Object Created', detail: { key: 'a' } },
    });
    await conforming(400, 'POST', '/event', { token: alice, body: { source: 'floe' } });

    const webhook = await conforming(201, 'POST', '/webhook', {
      token: alice,
      body: { url: 'http://127.0.0.1:9/hook', secret: 's3cret' },
    });
    await conforming(200, 'GET', `/webhook/${webhook.json.webhookID}`, { token: alice });
    await conforming(200, 'GET', `/webhook/${webhook.json.webhookID}`, { token: root });
    await conforming(200, 'DELETE', `/webhook/${webhook.json.webhookID}`, { token: alice });
  });
});
