/**
 * The local executors of lambda and http steps: where a lambda step's module is on this machine, how its
 * errors reach the machine, and the HTTP Task's result and errors from a real `fetch`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeHttp } from '../../../infra/local/executor/http-invoke.ts';
import { hostModulePath, invokeLambda } from '../../../infra/local/executor/lambda-invoke.ts';
import type { JobSpec } from '../../../shared/engine/run/model.ts';

const MOUNT = '/home/paddleflow/storage/mnt/fs-root-data';
const job = (lambda: JobSpec['lambda'], workDir: string | null = MOUNT): JobSpec => ({
  runId: 'run-000001',
  key: 'fn',
  attempt: 1,
  jobId: 'job-run-000001-fn-00000000',
  jobName: 'run-000001-fn',
  stepName: 'fn',
  command: '',
  dockerEnv: '',
  env: {},
  ...(workDir === null ? {} : { workDir }),
  mounts: [
    { id: 'fs-root-data', name: 'data', mountPath: MOUNT, subPath: 'sub', readOnly: false },
    { id: 'fs-root-models', name: 'models', mountPath: '/models', subPath: '', readOnly: true },
  ],
  outputPaths: [],
  ...(lambda ? { lambda } : {}),
});
const roots = { 'fs-root-data': '/srv/data', 'fs-root-models': '/srv/models' };
const named = (message: RegExp, name: string) =>
  expect.objectContaining({ name, message: expect.stringMatching(message) });

describe('hostModulePath', () => {
  it('resolves a relative module against the working directory, through the mount it lies in', () => {
    expect(hostModulePath(job({ module: 'tools/f.mjs', payload: {} }), roots)).toBe(
      '/srv/data/sub/tools/f.mjs',
    );
    expect(hostModulePath(job({ module: '/models/m/f.mjs', payload: {} }), roots)).toBe(
      '/srv/models/m/f.mjs',
    );
    // Outside every mount: the host's own path (the sandbox shows the host as it is).
    expect(hostModulePath(job({ module: '/opt/f.mjs', payload: {} }), roots)).toBe('/opt/f.mjs');
  });

  it('refuses a relative module without a working directory, and a step without a module', () => {
    expect(() => hostModulePath(job({ module: 'f.mjs', payload: {} }, null), roots)).toThrow(
      'lambda.module [f.mjs] is relative, but step [fn] has no working directory',
    );
    expect(() => hostModulePath(job({ function: 'arn:fn', payload: {} }), roots)).toThrow(
      named(
        /^the local runtime runs lambda\.module, and step \[fn\] sets none \(it names lambda\.function \[arn:fn\]/,
        'Floe.NoLocalModule',
      ),
    );
  });
});

describe('invokeLambda', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-lambda-unit-'));
  /** Invokes a new module of `source` with an empty payload. */
  const run = (source: string, signal = new AbortController().signal) => {
    const file = join(dir, `m${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(file, source);
    return invokeLambda(job({ module: file, payload: {} }), {
      hostRoots: roots,
      logFile: join(dir, 'log.txt'),
      signal,
      timeoutSeconds: 60,
    });
  };

  it('answers what the handler returned, undefined as null', async () => {
    await expect(run('export const handler = async (e, c) => ({ e, fn: c.functionName });')).resolves.toEqual(
      {
        e: {},
        fn: expect.stringMatching(/\.mjs$/),
      },
    );
    await expect(run('export const handler = () => {};')).resolves.toBeNull();
  });

  it('fails as Lambda does: the error type is the name, the cause {errorMessage, errorType}', async () => {
    await expect(run("export const handler = () => { throw new TypeError('bad input'); };")).rejects.toEqual(
      named(/^\{"errorMessage":"bad input","errorType":"TypeError"\}$/, 'TypeError'),
    );
    await expect(run('export const other = 1;')).rejects.toEqual(
      named(/does not export a handler/, 'Runtime.HandlerNotFound'),
    );
    await expect(run('export const handler = () => process.exit(3);')).rejects.toEqual(
      named(/ended \(3\) before its handler returned/, 'Runtime.ExitError'),
    );
    await expect(run('this is not javascript')).rejects.toEqual(
      named(/cannot load/, 'Runtime.ImportModuleError'),
    );
  });

  it('kills the module when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const call = run(
      'export const handler = () => new Promise(() => setInterval(() => {}, 1000));',
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error('stop')), 300);
    await expect(call).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('invokeHttp', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/json') {
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-id': '7' });
        response.end('{"a":[1,2]}');
      } else if (request.url === '/text') response.writeHead(200, { 'content-type': 'text/plain' }).end('hi');
      else response.writeHead(404, { 'content-type': 'text/plain' }).end(`  ${'x'.repeat(2000)}  `);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());
  const signal = () => new AbortController().signal;

  it("answers in the HTTP Task's shape, a JSON body parsed and any other as text", async () => {
    const json = await invokeHttp({ ApiEndpoint: `${base}/json`, Method: 'GET' }, signal());
    expect(json).toMatchObject({ StatusCode: 200, StatusText: 'OK', ResponseBody: { a: [1, 2] } });
    expect(json.Headers['x-id']).toBe('7');
    expect((await invokeHttp({ ApiEndpoint: `${base}/text`, Method: 'GET' }, signal())).ResponseBody).toBe(
      'hi',
    );
  });

  it('fails a non-2xx answer with States.Http.StatusCode.<code>, the trimmed body in the cause', async () => {
    const failure = invokeHttp(
      { ApiEndpoint: `${base}/missing`, Method: 'POST', RequestBody: 'x' },
      signal(),
    );
    await expect(failure).rejects.toEqual(
      named(/^HTTP 404 Not Found: x{1000}…$/, 'States.Http.StatusCode.404'),
    );
  });

  it('fails a request that reaches nobody as a socket error', async () => {
    // A port nothing listens on any more.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const url = `http://127.0.0.1:${port}/`;
    await expect(invokeHttp({ ApiEndpoint: url, Method: 'GET' }, signal())).rejects.toEqual(
      named(new RegExp(`^GET ${url}: .*ECONNREFUSED`), 'States.Http.Socket'),
    );
  });
});
