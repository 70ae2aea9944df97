/**
 * Durability: stopping `npm start` in the middle of a run and starting it again resumes the run. Steps that
 * had finished do not run again; the step that was running is failed with a message that says why; steps
 * that had not started yet run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { call, type FloeProcess, login, newDataDir, startFloe } from '../support/floe-process.ts';
import { runClient } from '../support/runs.ts';

let floe: FloeProcess;
afterAll(async () => {
  await floe?.stop();
});

const { localFs, submit, waitFor } = runClient(() => floe);

describe('a restart in the middle of a run', () => {
  it('resumes the run without running finished steps again', async () => {
    const dataDir = newDataDir();
    floe = await startFloe({ dataDir });
    let root = await login(floe.api, 'root', 'paddleflow');
    const dir = await localFs(root, 'work');
    const yaml = `name: durable
docker_env: img
parallelism: 1
failure_options:
  strategy: continue
entry_points:
  first:
    command: echo first >> first.txt
  long:
    deps: first
    command: echo started > long-started.txt; sleep 60; echo done > long-done.txt
  waiting:
    deps: first
    command: echo waiting >> waiting.txt
`;
    const runId = await submit(root, yaml, { fsName: 'work' });
    // With one slot, `long` and `waiting` run one after the other, in either order: stop while `long` runs
    // (if `waiting` went first, it has finished by then), so the restart meets a running step.
    await vi.waitFor(() => expect(existsSync(join(dir, 'long-started.txt')), 'long started').toBe(true), {
      timeout: 20_000,
      interval: 50,
    });
    expect(await floe.stop()).toBe(0);

    floe = await startFloe({ dataDir });
    root = await login(floe.api, 'root', 'paddleflow');
    const run = await waitFor(root, runId);
    expect(run.status).toBe('failed');
    expect(run.runtime.first[0].status).toBe('succeeded');
    expect(run.runtime.long[0].status).toBe('failed');
    expect(run.runtime.long[0].jobMessage).toContain('Floe stopped');
    expect(run.runtime.waiting[0].status).toBe('succeeded');
    expect(readFileSync(join(dir, 'first.txt'), 'utf8')).toBe('first\n');
    expect(readFileSync(join(dir, 'waiting.txt'), 'utf8')).toBe('waiting\n');
    expect(existsSync(join(dir, 'long-done.txt'))).toBe(false);
    const list = await call(floe.api, 'GET', '/run', { token: root });
    expect(list.json.runList.map((r: { runID: string }) => r.runID)).toEqual([runId]);
  }, 90_000);
});
