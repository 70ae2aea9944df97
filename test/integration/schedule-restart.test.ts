/**
 * Schedules across a stop of `npm start`: the first tick after the restart catches up or expires what was
 * missed, as the first tick after an outage does in AWS, and no scheduled time is lost or run twice.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { call, type FloeProcess, login, newDataDir, type Reply, startFloe } from '../support/floe-process.ts';
import { base64 } from '../support/pipelines.ts';

let floe: FloeProcess;
afterAll(async () => {
  await floe?.stop();
});

const parseTime = (text: string) => Date.parse(text.replace(' ', 'T'));

async function runsOf(token: string, id: string): Promise<Reply['json'][]> {
  const reply = await call(floe.api, 'GET', `/schedule/${id}?maxKeys=500`, { token });
  expect(reply.status, reply.text).toBe(200);
  return reply.json.runs.runList;
}

describe('a restart after missed ticks', () => {
  it('catches up, expires and skips exactly as the schedule says, losing no time and running none twice', async () => {
    const dataDir = newDataDir();
    floe = await startFloe({ dataDir });
    let root = await login(floe.api, 'root', 'paddleflow');
    const yaml = 'name: ticking\ndocker_env: img\nentry_points:\n  main:\n    command: echo tick\n';
    const pipeline = await call(floe.api, 'POST', '/pipeline', {
      token: root,
      body: { yamlRaw: base64(yaml) },
    });
    expect(pipeline.status, pipeline.text).toBe(201);
    const create = async (name: string, options: Record<string, unknown>) => {
      const body = {
        name,
        pipelineID: pipeline.json.pipelineID,
        pipelineVersionID: '1',
        crontab: '@every 1s',
      };
      const reply = await call(floe.api, 'POST', '/schedule', { token: root, body: { ...body, ...options } });
      expect(reply.status, reply.text).toBe(201);
      return reply.json.scheduleID as string;
    };
    const noCatchup = await create('no_catchup', { catchup: false });
    const expiring = await create('expiring', { expireInterval: 3 });
    await vi.waitFor(
      async () => {
        expect((await runsOf(root, noCatchup)).length).toBeGreaterThanOrEqual(1);
        expect((await runsOf(root, expiring)).length).toBeGreaterThanOrEqual(1);
      },
      { timeout: 10_000, interval: 100 },
    );
    const code = await floe.stop();
    expect(code, floe.output()).toBe(0);
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 6000));

    // The restarted ticker's first pass comes after this and before startFloe returns (on a loaded machine,
    // seconds before): the latest time due at that pass runs even without catch-up, so "missed" ends here.
    const restartBegan = Date.now();
    floe = await startFloe({ dataDir });
    const restartedAt = Date.now();
    root = await login(floe.api, 'root', 'paddleflow');
    // Wait until both schedules are past the outage, then stop them so the lists hold still.
    await vi.waitFor(
      async () => {
        for (const id of [noCatchup, expiring]) {
          const times = (await runsOf(root, id)).map((run) => parseTime(run.scheduledTime));
          expect(Math.max(...times)).toBeGreaterThan(restartedAt);
        }
      },
      { timeout: 15_000, interval: 200 },
    );
    for (const id of [noCatchup, expiring]) {
      expect((await call(floe.api, 'PUT', `/schedule/${id}`, { token: root })).status).toBe(200);
    }

    for (const id of [noCatchup, expiring]) {
      const runs = await runsOf(root, id);
      const times = runs.map((run) => parseTime(run.scheduledTime));
      // Every second from the first scheduled time to the last is there once: nothing lost, nothing twice.
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1000);
    }

    const missed = (runs: Reply['json'][]) =>
      runs.filter((run) => {
        const at = parseTime(run.scheduledTime);
        return at > stoppedAt + 1000 && at < restartBegan - 1000;
      });
    // catchup:false: the times missed while stopped are recorded as skipped, not run.
    const skippedWithoutCatchup = missed(await runsOf(root, noCatchup));
    expect(skippedWithoutCatchup.length).toBeGreaterThanOrEqual(3);
    for (const run of skippedWithoutCatchup) {
      expect(run.status).toBe('skipped');
      expect(run.runMsg).toContain('catchup is false');
    }
    // expireInterval 3: missed times older than 3 s at the restart are skipped as expired, the rest run.
    const expiringRuns = missed(await runsOf(root, expiring));
    const expired = expiringRuns.filter((run) => run.status === 'skipped');
    expect(expired.length).toBeGreaterThanOrEqual(2);
    for (const run of expired) {
      expect(run.runMsg).toMatch(/beyond expire interval\[3\] before currentTime/);
      expect(parseTime(run.scheduledTime)).toBeLessThan(restartedAt - 3000 + 1000);
    }
    // The runtime was stopped 6 s, so what it ran of the outage lies within its last 3 s.
    const caughtUp = expiringRuns.filter((run) => run.status !== 'skipped');
    for (const run of caughtUp) expect(parseTime(run.scheduledTime)).toBeGreaterThan(stoppedAt + 2000);
  }, 60_000);
});
