/**
 * Schedules over HTTP on the local runtime (reference/paddleflow.md §1.9, §6): the API's rules, and the
 * ticker starting runs on a fast `@every` crontab with each concurrency policy.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectError, startWithUsers } from '../support/api.ts';
import { call, type FloeProcess, type Reply } from '../support/floe-process.ts';
import { base64, pipelineClient, TIME } from '../support/pipelines.ts';

let floe: FloeProcess;
let root: string;
let tokens: Record<string, string>;
beforeAll(async () => {
  ({ floe, root, tokens } = await startWithUsers(['alice', 'bobby']));
}, 60_000);
afterAll(async () => {
  await floe?.stop();
});

const pipelines = pipelineClient(() => floe);
const post = (token: string, body: unknown) => call(floe.api, 'POST', '/schedule', { token, body });
const get = (token: string, path: string) => call(floe.api, 'GET', path, { token });

/** A pipeline of one step running `command`; returns its id (its one version is "1"). */
async function pipelineRunning(token: string, name: string, command: string): Promise<string> {
  const yaml = `name: ${name}\ndocker_env: img\nentry_points:\n  main:\n    command: ${command}\n`;
  const reply = await pipelines.post(token, { yamlRaw: base64(yaml) });
  expect(reply.status, reply.text).toBe(201);
  return reply.json.pipelineID as string;
}

/** A time `seconds` from now, in PaddleFlow's format (server local time). */
function localTimeIn(seconds: number): string {
  const date = new Date(Date.now() + seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

async function createSchedule(token: string, body: Record<string, unknown>): Promise<string> {
  const reply = await post(token, body);
  expect(reply.status, reply.text).toBe(201);
  expect(reply.json.scheduleID).toMatch(/^schedule-\d{6}$/);
  return reply.json.scheduleID as string;
}

const runsOf = async (token: string, id: string, query = ''): Promise<Reply['json'][]> => {
  const reply = await get(token, `/schedule/${id}?maxKeys=100${query}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.json.runs.runList;
};

const stop = (token: string, id: string) => call(floe.api, 'PUT', `/schedule/${id}`, { token });

describe('creating a schedule', () => {
  let pipelineID: string;
  beforeAll(async () => {
    pipelineID = await pipelineRunning(tokens.alice!, 'rules', 'echo hi');
  });
  const valid = () => ({ name: 'nightly', pipelineID, pipelineVersionID: '1', crontab: '0 3 * * *' });

  it('refuses what PaddleFlow refuses, naming the field, and creates nothing', async () => {
    const alice = tokens.alice!;
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ name: '1bad' }, 400, 'InvalidNamePattern', 'name[1bad] of schedule is invalid'],
      [{ name: 'has-dash' }, 400, 'InvalidNamePattern', 'has-dash'],
      [{ desc: 'x'.repeat(257) }, 400, 'InvalidArguments', 'desc too long'],
      [{ crontab: '61 * * * *' }, 400, 'InvalidArguments', 'check crontab failed in creating schedule'],
      [{ crontab: '* * * *' }, 400, 'InvalidArguments', 'expected exactly 5 fields'],
      [{ crontab: '@every nonsense' }, 400, 'InvalidArguments', 'check crontab failed'],
      [{ crontab: 'CRON_TZ=Mars/Olympus 0 3 * * *' }, 400, 'InvalidArguments', 'Mars/Olympus'],
      [{ concurrency: -1 }, 400, 'InvalidArguments', 'concurrency should not be negative'],
      [{ concurrencyPolicy: 'queue' }, 400, 'InvalidArguments', 'concurrency policy[queue] not supported'],
      [{ expireInterval: -5 }, 400, 'InvalidArguments', 'expire interval should not be negative'],
      [
        { startTime: '2020-01-01 00:00:00' },
        400,
        'InvalidArguments',
        'starttime[2020-01-01 00:00:00] not after',
      ],
      [{ startTime: 'tomorrow' }, 400, 'InvalidArguments', 'format not correct'],
      [
        { startTime: localTimeIn(7200), endTime: localTimeIn(3600) },
        400,
        'InvalidArguments',
        'not after startTime',
      ],
      [{ concurrency: 1.5 }, 400, 'MalformedJSON', 'concurrency'],
      [{ pipelineID: 'ppl-999999' }, 404, 'PipelineNotFound', 'ppl-999999'],
      [{ pipelineVersionID: '7' }, 404, 'PipelineNotFound', 'version[7]'],
    ];
    for (const [change, status, code, text] of cases) {
      expectError(await post(alice, { ...valid(), ...change }), status, code, text);
    }
    const list = await get(alice, '/schedule');
    expect(list.json.scheduleList).toEqual([]);
  });

  it("refuses another user's pipeline and a duplicate name", async () => {
    expectError(await post(tokens.bobby!, valid()), 403, 'AccessDenied');
    await createSchedule(tokens.alice!, { ...valid(), name: 'once_only' });
    expectError(
      await post(tokens.alice!, { ...valid(), name: 'once_only' }),
      400,
      'DuplicatedName',
      'already has schedule with name[once_only]',
    );
    // Names are per user: bobby may use it for a pipeline of his.
    const bobsPipeline = await pipelineRunning(tokens.bobby!, 'bobs', 'echo hi');
    await createSchedule(tokens.bobby!, { ...valid(), name: 'once_only', pipelineID: bobsPipeline });
  });

  it('shows the schedule flattened, with nextRunTime strictly after its start time', async () => {
    const startTime = localTimeIn(3600);
    const id = await createSchedule(tokens.alice!, {
      ...valid(),
      name: 'shown',
      desc: 'every day at three',
      startTime,
      concurrency: 2,
      concurrencyPolicy: 'skip',
      expireInterval: 600,
      catchup: false,
    });
    const reply = await get(tokens.alice!, `/schedule/${id}`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toMatchObject({
      scheduleID: id,
      name: 'shown',
      desc: 'every day at three',
      pipelineID,
      pipelineVersionID: '1',
      username: 'alice',
      fsConfig: { username: '' },
      crontab: '0 3 * * *',
      options: { catchup: false, expireInterval: 600, concurrency: 2, concurrencyPolicy: 'skip' },
      startTime,
      endTime: '',
      scheduleMsg: '',
      status: 'running',
      runs: { maxKeys: 50, isTruncated: false, runList: [] },
    });
    expect(reply.json.createTime).toMatch(TIME);
    expect(reply.json.nextRunTime).toMatch(/^\d{4}-\d\d-\d\d 03:00:00$/);
    expect(reply.json.nextRunTime > startTime).toBe(true);
    // catchup defaults to true when absent, as PaddleFlow's SDK leaves false out.
    const defaulted = await createSchedule(tokens.alice!, { ...valid(), name: 'defaulted' });
    const shown = await get(tokens.alice!, `/schedule/${defaulted}`);
    expect(shown.json.options).toEqual({
      catchup: true,
      expireInterval: 0,
      concurrency: 0,
      concurrencyPolicy: 'suspend',
    });
  });

  it('lists with every filter and exact pages; only root filters by user', async () => {
    const alice = tokens.alice!;
    for (const name of ['page_a', 'page_b', 'page_c']) await createSchedule(alice, { ...valid(), name });
    const named = await get(alice, '/schedule?nameFilter=page_a,page_c');
    expect(named.json.scheduleList.map((s: Reply['json']) => s.name)).toEqual(['page_a', 'page_c']);
    const first = await get(alice, '/schedule?nameFilter=page_a,page_b,page_c&maxKeys=2');
    expect(first.json).toMatchObject({ maxKeys: 2, isTruncated: true });
    const second = await get(
      alice,
      `/schedule?nameFilter=page_a,page_b,page_c&maxKeys=2&marker=${encodeURIComponent(first.json.nextMarker)}`,
    );
    expect(second.json.scheduleList.map((s: Reply['json']) => s.name)).toEqual(['page_c']);
    expect(second.json.isTruncated).toBe(false);
    const byPipeline = await get(
      alice,
      `/schedule?pplFilter=${pipelineID}&pplVersionFilter=1&statusFilter=running`,
    );
    expect(byPipeline.json.scheduleList.length).toBeGreaterThanOrEqual(5);
    expect((await get(alice, '/schedule?pplVersionFilter=2')).json.scheduleList).toEqual([]);
    expectError(await get(alice, '/schedule?userFilter=bobby'), 403, 'AccessDenied', 'only root');
    const bobs = await get(root, '/schedule?userFilter=bobby');
    expect(bobs.json.scheduleList.map((s: Reply['json']) => s.username)).toEqual(['bobby']);
    const onlyOne = await get(alice, `/schedule?scheduleFilter=${first.json.scheduleList[0].scheduleID}`);
    expect(onlyOne.json.scheduleList).toHaveLength(1);
  });

  it('stops (bare PUT) and deletes only final schedules; a pipeline with a running schedule stays', async () => {
    const alice = tokens.alice!;
    const id = await createSchedule(alice, { ...valid(), name: 'to_stop' });
    expectError(
      await call(floe.api, 'DELETE', `/schedule/${id}`, { token: alice }),
      403,
      'ActionNotAllowed',
      'final status',
    );
    expectError(
      await pipelines.del(alice, `/pipeline/${pipelineID}`),
      403,
      'ActionNotAllowed',
      'running schedules',
    );
    expectError(await stop(tokens.bobby!, id), 403, 'AccessDenied');
    const stopped = await stop(alice, id);
    expect(stopped.status, stopped.text).toBe(200);
    expect(stopped.text).toBe('');
    expect((await get(alice, `/schedule/${id}`)).json.status).toBe('terminated');
    expectError(await stop(alice, id), 403, 'ActionNotAllowed', 'already in status[terminated]');
    const deleted = await call(floe.api, 'DELETE', `/schedule/${id}`, { token: alice });
    expect(deleted.status, deleted.text).toBe(200);
    expectError(await get(alice, `/schedule/${id}`), 404, 'ScheduleNotFound');
    expectError(await get(alice, '/schedule/schedule-999999'), 404, 'ScheduleNotFound');
    // Deleted, its name is free again.
    await createSchedule(alice, { ...valid(), name: 'to_stop' });
  });

  it('is done at once when its first time is past its end time', async () => {
    const id = await createSchedule(tokens.alice!, {
      ...valid(),
      name: 'too_short',
      crontab: '0 0 1 1 *',
      endTime: localTimeIn(120),
    });
    expect((await get(tokens.alice!, `/schedule/${id}`)).json.status).toBe('success');
  });
});

/** A schedule of a new one-step pipeline running `command`. */
async function scheduleRunning(command: string, fields: Record<string, unknown>): Promise<string> {
  const pipelineID = await pipelineRunning(tokens.alice!, `${fields.name}_ppl`, command);
  return createSchedule(tokens.alice!, { pipelineID, pipelineVersionID: '1', ...fields });
}

/** How long the ticker tests wait for what a tick does. */
const SOON = { timeout: 10_000, interval: 100 };

describe('the ticker', () => {
  it('starts runs on an @every crontab, named after the schedule, with scheduleID and scheduledTime', async () => {
    const alice = tokens.alice!;
    const id = await scheduleRunning('echo tick', {
      name: 'every_two',
      desc: 'fast',
      crontab: '@every 2s',
    });
    await vi.waitFor(async () => expect((await runsOf(alice, id)).length).toBeGreaterThanOrEqual(2), {
      timeout: 15_000,
      interval: 200,
    });
    expect((await stop(alice, id)).status).toBe(200);
    const runs = await runsOf(alice, id);
    for (const run of runs) {
      expect(run).toMatchObject({
        name: 'every_two',
        description: 'fast',
        scheduleID: id,
        username: 'alice',
      });
      expect(run.scheduledTime).toMatch(TIME);
    }
    // Two seconds apart, in order, none twice.
    const times = runs.map((run) => Date.parse(run.scheduledTime.replace(' ', 'T')));
    expect(new Set(times).size).toBe(times.length);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(2000);
    // The runs are PaddleFlow runs: in /run too, and they run.
    const listed = await get(alice, `/run?runFilter=${runs[0].runID}`);
    expect(listed.json.runList[0].scheduleID).toBe(id);
    await vi.waitFor(
      async () => expect((await get(alice, `/run/${runs[0].runID}`)).json.status).toBe('succeeded'),
      SOON,
    );
    // Stopped: no more runs.
    const count = (await runsOf(alice, id)).length;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await runsOf(alice, id)).length).toBe(count);
  }, 30_000);

  it('suspend: holds the next time while the run is active, then goes on', async () => {
    const alice = tokens.alice!;
    const id = await scheduleRunning('sleep 3', {
      name: 'suspended',
      crontab: '@every 1s',
      concurrency: 1,
      concurrencyPolicy: 'suspend',
    });
    await vi.waitFor(async () => expect((await runsOf(alice, id)).length).toBe(1), SOON);
    // While it runs, nothing more starts and nothing is skipped; nextRunTime stays in the past.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const held = await get(alice, `/schedule/${id}`);
    expect(held.json.runs.runList).toHaveLength(1);
    expect(Date.parse(held.json.nextRunTime.replace(' ', 'T'))).toBeLessThan(Date.now());
    // Once it ends, the held time starts at once.
    await vi.waitFor(async () => expect((await runsOf(alice, id)).length).toBe(2), SOON);
    await stop(alice, id);
    const runs = await runsOf(alice, id);
    expect(runs[0].status).toBe('succeeded');
    expect(runs.every((run) => run.status !== 'skipped')).toBe(true);
  }, 30_000);

  it('skip: records the times it cannot start as skipped runs with PaddleFlow’s message', async () => {
    const alice = tokens.alice!;
    const id = await scheduleRunning('sleep 3', {
      name: 'skipping',
      crontab: '@every 1s',
      concurrency: 1,
      concurrencyPolicy: 'skip',
    });
    await vi.waitFor(
      async () => expect((await runsOf(alice, id, '&statusFilter=skipped')).length).toBeGreaterThanOrEqual(2),
      SOON,
    );
    await stop(alice, id);
    const runs = await runsOf(alice, id);
    const active = runs.filter((run) => run.status !== 'skipped');
    expect(active).toHaveLength(1);
    const skipped = runs.filter((run) => run.status === 'skipped');
    expect(skipped[0].runMsg).toMatch(
      new RegExp(
        `^skip run of schedule\\[${id}\\] with schedule time\\[.+\\], concurrency already reach\\[1\\] in policy\\[skip\\]$`,
      ),
    );
  }, 30_000);

  it('replace: stops the older run when the next time comes', async () => {
    const alice = tokens.alice!;
    const id = await scheduleRunning('sleep 30', {
      name: 'replacing',
      crontab: '@every 2s',
      concurrency: 1,
      concurrencyPolicy: 'replace',
    });
    await vi.waitFor(async () => expect((await runsOf(alice, id)).length).toBeGreaterThanOrEqual(2), SOON);
    await stop(alice, id);
    const [first] = await runsOf(alice, id);
    await vi.waitFor(async () => {
      const run = await get(alice, `/run/${first.runID}`);
      expect(run.json.status, run.text).toBe('terminated');
    }, SOON);
    // Clean up the runs still sleeping.
    for (const run of await runsOf(alice, id)) {
      await call(floe.api, 'PUT', `/run/${run.runID}?action=stop`, {
        token: alice,
        body: { stopForce: true },
      });
    }
  }, 30_000);
});
