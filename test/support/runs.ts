/** HTTP helpers for the run tests: a local fs in a temp directory, runs submitted and watched until final. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { call, type FloeProcess, type Reply } from './floe-process.ts';
import { base64 } from './pipelines.ts';

const FINAL = ['succeeded', 'failed', 'terminated', 'skipped'];

export function runClient(floe: () => FloeProcess) {
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

  const show = (token: string, runId: string) => call(floe().api, 'GET', `/run/${runId}`, { token });

  /** Polls the run until `done` holds (by default: a final status); returns its last detail. */
  async function waitFor(
    token: string,
    runId: string,
    done: (run: Reply['json']) => boolean = (run) => FINAL.includes(run.status),
    timeoutMs = 30_000,
  ): Promise<Reply['json']> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await show(token, runId);
      expect(reply.status, reply.text).toBe(200);
      if (done(reply.json)) return reply.json;
      if (Date.now() > deadline) throw new Error(`run ${runId} did not get there in time: ${reply.text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const runUntilFinal = async (token: string, yaml: string, extra: Record<string, unknown> = {}) =>
    waitFor(token, await submit(token, yaml, extra));

  return { localFs, submit, show, waitFor, runUntilFinal };
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
