/**
 * Lambda and http steps over HTTP on the local runtime: a lambda step runs its module in a child process and
 * keeps what the handler returned as the node's outputs; a throwing module fails the step (and is retried per
 * its `retry`), a slow one times out, and stopping the run kills it. An http step sends its templated request
 * to a server started here and keeps the status and body; a 500 fails it, and stopping the run ends a request
 * that hangs.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectError, expectOk } from '../support/api.ts';
import { call, type FloeProcess } from '../support/floe-process.ts';
import { base64 } from '../support/pipelines.ts';
import { jobsOf, runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

let floe: FloeProcess;
let alice: string;
let dir: string;
beforeAll(async () => {
  ({
    floe,
    dir,
    tokens: { alice },
  } = await startWithWorkFs(['alice']));
  mkdirSync(join(dir, 'mods'));
  return () => stopFloe(floe);
});

const { submit, waitFor, get, put, nodePath, waitForNode } = runClient(
  () => floe,
  () => alice,
);

/** Submits a run of `yaml` on fs `work`; returns its id. */
const submitOnWork = (yaml: string) => submit(alice, yaml, { fsName: 'work' });

/** The detail of node `key` of run `runId`. */
async function nodeOf(runId: string, key: string) {
  const reply = await get(nodePath(runId, key));
  expect(reply.status, reply.text).toBe(200);
  return reply.json;
}

/** Writes a module under the fs's `mods/` (what a step names `mods/<name>`). */
const module = (name: string, source: string) => writeFileSync(join(dir, 'mods', name), source);

const isRunning = (node: { status: string }) => node.status === 'running';

/** Whether process `pid` is gone. */
const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe('lambda steps', () => {
  it('run the module with the parameters as the payload; what it returns is the outputs', async () => {
    module(
      'score.mjs',
      `export async function handler(event, context) {
  console.log('scoring', event.rate);
  return { score: event.rate * 2, run: event.run, fn: context.functionName, left: context.getRemainingTimeInMillis() > 0 };
}
`,
    );
    module('plain.cjs', 'exports.handler = async () => 42;\n');
    const runId = await submitOnWork(
      `name: lambdaok
docker_env: img
entry_points:
  score:
    parameters: {rate: 0.25, run: "{{PF_RUN_ID}}"}
    lambda: {function: score-fn, module: mods/score.mjs}
  plain:
    deps: score
    lambda: {module: mods/plain.cjs}
`,
    );
    const run = await waitFor(alice, runId);
    expect(run.status, run.runMsg).toBe('succeeded');
    const score = await nodeOf(runId, 'score');
    expect(score).toMatchObject({
      status: 'succeeded',
      outputs: { result: { score: 0.5, run: runId, fn: 'score-fn', left: true } },
    });
    expect((await nodeOf(runId, 'plain')).outputs.result).toEqual({ result: 42 });
    const jobs = jobsOf(run);
    expect(jobs.score![0]).toMatchObject({ command: '', outputs: { score: 0.5 } });
    const logs = await get(`/log/run/${runId}?jobID=${jobs.score![0].jobID}`);
    expect(logs.json.runLog[0].taskList[0].logInfo.logContent).toContain('scoring 0.25');
  });

  it('fail with the error the module throws, after the retries its policy allows', async () => {
    module(
      'boom.mjs',
      `import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(event.tally, 'x');
  throw new RangeError('rate out of range');
};
`,
    );
    const tally = join(dir, 'boom-tally.txt');
    const runId = await submitOnWork(
      `name: lambdaboom
docker_env: img
entry_points:
  boom:
    parameters: {tally: "${tally}"}
    lambda: {module: mods/boom.mjs}
    retry: {max_attempts: 2, interval: 0}
`,
    );
    expect((await waitFor(alice, runId)).status).toBe('failed');
    const node = await nodeOf(runId, 'boom');
    expect(node).toMatchObject({ status: 'failed', autoRetries: 2 });
    expect(node.jobMessage).toContain('RangeError');
    expect(node.jobMessage).toContain('rate out of range');
    expect(node.outputs.result).toBeUndefined();
    expect(readFileSync(tally, 'utf8')).toBe('xxx');
  });

  it('fail a call that outlives its timeout', async () => {
    module(
      'slow.mjs',
      'export const handler = () => new Promise((resolve) => setTimeout(resolve, 60_000));\n',
    );
    const runId = await submitOnWork(
      `name: lambdaslow
docker_env: img
entry_points:
  slow:
    lambda: {module: mods/slow.mjs}
    timeout: 1
`,
    );
    expect((await waitFor(alice, runId)).status).toBe('failed');
    expect((await nodeOf(runId, 'slow')).jobMessage).toBe('timed out after 1 seconds');
  });

  it('end terminated when the run is stopped mid-call, and the module’s process is killed', async () => {
    // A module outside any fs, named by its absolute path.
    const outside = mkdtempSync(join(tmpdir(), 'floe-lambda-'));
    const pidFile = join(outside, 'pid');
    writeFileSync(
      join(outside, 'hang.mjs'),
      `import { writeFileSync } from 'node:fs';
export const handler = () => {
  writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
  return new Promise(() => setInterval(() => {}, 1000));
};
`,
    );
    const runId = await submitOnWork(
      `name: lambdastop
docker_env: img
entry_points:
  hang:
    lambda: {module: ${join(outside, 'hang.mjs')}}
`,
    );
    await waitForNode(runId, 'hang', isRunning);
    const pid = await vi.waitFor(() => Number(readFileSync(pidFile, 'utf8')), { timeout: 10_000 });
    expect(gone(pid)).toBe(false);
    expectOk(await put(`/run/${runId}?action=stop`));
    expect((await waitFor(alice, runId)).status).toBe('terminated');
    expect((await nodeOf(runId, 'hang')).status).toBe('terminated');
    await vi.waitFor(() => expect(gone(pid)).toBe(true), { timeout: 5_000 });
  });

  it('are refused at creation, saying the local runtime needs lambda.module, when the step names only a function', async () => {
    const yaml = `name: lambdaaws
docker_env: img
entry_points:
  remote:
    lambda: {function: arn:aws:lambda:eu-west-1:111122223333:function:f}
`;
    const runCount = async () => ((await get('/run?maxKeys=1000')).json.runList as unknown[]).length;
    const before = await runCount();
    const reply = await call(floe.api, 'POST', '/run', {
      token: alice,
      body: { runYamlRaw: base64(yaml), fsName: 'work' },
    });
    expectError(reply, 400, 'InvalidArguments', 'step[remote] is a lambda step without [lambda.module]');
    expect(await runCount()).toBe(before);
  });
});

describe('http steps', () => {
  interface Received {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: string;
  }
  const received: Received[] = [];
  /** Answers per path: what the test server does with a request. */
  const routes: Record<string, (response: ServerResponse) => void> = {
    '/items/7': (response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 7, ok: true }));
    },
    '/broken': (response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('the database is down\n');
    },
    // Never answers.
    '/hang': () => {},
  };
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = request.url ?? '';
        received.push({
          method: request.method ?? '',
          url,
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const route = routes[url.split('?')[0]!];
        if (route) route(response);
        else response.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('send the templated request and keep the status and body as the outputs', async () => {
    const runId = await submitOnWork(
      `name: httpok
docker_env: img
entry_points:
  notify:
    parameters: {id: 7, tag: v1}
    http:
      method: POST
      url: "${base}/items/{{id}}?run={{PF_RUN_ID}}"
      headers: {x-tag: "tag {{tag}}"}
      body: {id: "{{id}}", tag: "{{tag}}"}
`,
    );
    const run = await waitFor(alice, runId);
    expect(run.status, run.runMsg).toBe('succeeded');
    const request = received.find((r) => r.url.startsWith('/items/7'))!;
    expect(request).toMatchObject({ method: 'POST', url: `/items/7?run=${runId}` });
    expect(request.headers).toMatchObject({ 'x-tag': 'tag v1', 'content-type': 'application/json' });
    expect(JSON.parse(request.body)).toEqual({ id: 7, tag: 'v1' });
    expect(await nodeOf(runId, 'notify')).toMatchObject({
      status: 'succeeded',
      outputs: { result: { status: 201, body: { id: 7, ok: true } } },
    });
    expect(jobsOf(run).notify![0].outputs).toEqual({ status: 201, body: { id: 7, ok: true } });
  });

  it('fail on a 500, naming the status and what the server said', async () => {
    const runId = await submitOnWork(
      `name: httpbroken
docker_env: img
entry_points:
  call:
    http: {url: "${base}/broken"}
`,
    );
    expect((await waitFor(alice, runId)).status).toBe('failed');
    const { jobMessage } = await nodeOf(runId, 'call');
    expect(jobMessage).toContain('States.Http.StatusCode.500');
    expect(jobMessage).toContain('the database is down');
  });

  it('end terminated when the run is stopped while the server hangs', async () => {
    const runId = await submitOnWork(
      `name: httphang
docker_env: img
entry_points:
  call:
    http: {method: DELETE, url: "${base}/hang"}
`,
    );
    await waitForNode(runId, 'call', isRunning);
    await vi.waitFor(() => expect(received.some((r) => r.url === '/hang')).toBe(true), { timeout: 10_000 });
    expectOk(await put(`/run/${runId}?action=stop`));
    expect((await waitFor(alice, runId)).status).toBe('terminated');
    expect((await nodeOf(runId, 'call')).status).toBe('terminated');
    expect(received.find((r) => r.url === '/hang')?.method).toBe('DELETE');
  });
});
