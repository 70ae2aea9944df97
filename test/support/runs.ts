/**
 * HTTP helpers for the run tests: a Floe with users and a local fs, runs submitted and watched until final,
 * and their nodes acted on and watched.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startWithUsers } from './api.ts';
import { call, type FloeProcess, type Reply } from './floe-process.ts';
import { base64 } from './pipelines.ts';

const FINAL = ['succeeded', 'failed', 'terminated', 'skipped'];

/**
 * A Floe for a file of run tests: `users` as startWithUsers creates them, the first owning fs `work` over a
 * new temp directory, `dir`. Stop it with stopFloe.
 */
export async function startWithWorkFs<const U extends string>(users: readonly [U, ...U[]]) {
  const started = await startWithUsers(users);
  const dir = await runClient(() => started.floe).localFs(started.tokens[users[0]], 'work');
  return { ...started, dir };
}

/** Stops a test file's Floe, first printing what it wrote when SHOW_OUTPUT is set. */
export async function stopFloe(floe: FloeProcess | undefined): Promise<void> {
  if (process.env.SHOW_OUTPUT && floe) console.log(floe.output());
  await floe?.stop();
}

/**
 * Calls to the Floe that `floe()` returns when a test runs. Those that take the token last (get, put, the node
 * calls) default to `user()`'s.
 */
export function runClient(floe: () => FloeProcess, user?: () => string) {
  const get = (path: string, token = user?.()) => call(floe().api, 'GET', path, { token });
  const put = (path: string, body?: unknown, token = user?.()) =>
    call(floe().api, 'PUT', path, { token, body });

  /** Creates fs `name` of the token's user over a new temp directory; returns the directory. */
  async function localFs(token: string, name: string): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), `floe-fs-${name}-`));
    const reply = await call(floe().api, 'POST', '/fs', { token, body: { name, url: `local://${dir}` } });
    expect(reply.status, reply.text).toBe(201);
    return dir;
  }

  async function submit(token: string, yaml: string, extra: Record<string, unknown> = {}): Promise<string> {
    const reply = await call(floe().api, 'POST', '/run', {
      token,
      body: { runYamlRaw: base64(yaml), ...extra },
    });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.json.runID).toMatch(/^run-\d{6}$/);
    return reply.json.runID as string;
  }

  const show = (token: string, runId: string) => get(`/run/${runId}`, token);

  /**
   * Polls GET `path` until `done` holds of the body; returns it. Each answer must be a 200, but with
   * `absentIsNotYet` a 404 (what the run has not created yet) counts as not done.
   */
  async function pollUntil(
    path: string,
    done: (json: Reply['json']) => boolean,
    options: { token?: string; absentIsNotYet?: boolean; timeoutMs?: number } = {},
  ): Promise<Reply['json']> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const reply = await get(path, options.token);
      if (!(options.absentIsNotYet && reply.status === 404)) {
        expect(reply.status, reply.text).toBe(200);
        if (done(reply.json)) return reply.json;
      }
      if (Date.now() > deadline) throw new Error(`${path} did not get there in time: ${reply.text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Polls the run until `done` holds (by default: a final status); returns its last detail. */
  const waitFor = (
    token: string,
    runId: string,
    done: (run: Reply['json']) => boolean = (run) => FINAL.includes(run.status),
    timeoutMs = 30_000,
  ) => pollUntil(`/run/${runId}`, done, { token, timeoutMs });

  const runUntilFinal = async (token: string, yaml: string, extra: Record<string, unknown> = {}) =>
    waitFor(token, await submit(token, yaml, extra));

  const nodePath = (runId: string, key: string) => `/run/${runId}/node/${encodeURIComponent(key)}`;
  /** `PUT /run/<id>/node/<key>?action=<action>`. */
  const nodeAction = (runId: string, key: string, action: string, body?: unknown, token = user?.()) =>
    put(`${nodePath(runId, key)}?action=${action}`, body, token);
  /** Polls a node until `done` holds; a node the run has not created yet counts as not done. */
  const waitForNode = (
    runId: string,
    key: string,
    done: (node: Reply['json']) => boolean,
    token = user?.(),
  ) => pollUntil(nodePath(runId, key), done, { token, absentIsNotYet: true });
  /** Polls the run's state tree until `done` holds. */
  const waitForTree = (runId: string, done: (tree: Reply['json']) => boolean, token = user?.()) =>
    pollUntil(`/run/${runId}/state`, done, { token });

  return {
    get,
    put,
    localFs,
    submit,
    show,
    pollUntil,
    waitFor,
    runUntilFinal,
    nodePath,
    nodeAction,
    waitForNode,
    waitForTree,
  };
}

/** Every job view of a run detail's runtime (DAG views flattened), by step name, in loop order. */
export function jobsOf(run: Reply['json']): Record<string, Reply['json'][]> {
  const jobs: Record<string, Reply['json'][]> = {};
  const visit = (views: Record<string, Reply['json'][]>) => {
    for (const [name, list] of Object.entries(views)) {
      for (const view of list) {
        if (view.type === 'dag') visit(view.entryPoints);
        else {
          jobs[name] ??= [];
          jobs[name].push(view);
        }
      }
    }
  };
  visit(run.runtime);
  return jobs;
}
