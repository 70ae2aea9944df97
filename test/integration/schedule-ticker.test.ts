/**
 * The ticker below HTTP, on dynalite, with an injected clock: the real schedule, run and pipeline services
 * and stores. The mailbox and the bus are recording adapters of their ports: nothing consumes the runs, so
 * they stay active until a test ends one through the store, as the run's consumer would.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/engine/run/model.ts';
import type { EventEntry } from '../../shared/runtime/events.ts';
import type { RunService } from '../../shared/services/runs.ts';
import { ScheduleTicker } from '../../shared/services/schedule-ticker.ts';
import { type CreateScheduleRequest, ScheduleService } from '../../shared/services/schedules.ts';
import { RunRepository } from '../../shared/store/runs.ts';
import { ScheduleRepository } from '../../shared/store/schedules.ts';
import { startInProcessApp } from '../support/in-process.ts';
import { base64 } from '../support/pipelines.ts';

let app: Awaited<ReturnType<typeof startInProcessApp>>;
let runs: RunRepository;
let schedules: ScheduleRepository;
let runService: RunService;
let pipelineId: string;
let posted: { runId: string; event: RunEvent }[];
let published: EventEntry[];

let clock = new Date('2026-05-01T10:00:30Z');
const now = () => clock;
const advanceTo = (iso: string) => {
  clock = new Date(iso);
};
/** One pass of a ticker at `iso`. */
const passAt = async (iso: string) => {
  advanceTo(iso);
  await ticker().pass();
};

beforeAll(async () => {
  app = await startInProcessApp();
  ({ posted, published } = app);
  const { ref } = app;
  // The app modules read the environment when first called.
  const runsApp = await import('../../shared/app/runs.ts');
  const pipelines = await import('../../shared/app/pipelines.ts');
  runService = runsApp.runService();
  runs = new RunRepository(ref);
  schedules = new ScheduleRepository(ref);
  const yaml = 'name: ticked\ndocker_env: img\nentry_points:\n  main:\n    command: echo hi\n';
  const { pipeline } = await pipelines
    .pipelineService()
    .create({ name: 'alice' }, { yamlRaw: base64(yaml), fsName: '', yamlPath: '', username: '', desc: '' });
  pipelineId = pipeline.id;
});
afterAll(async () => {
  await app.close();
});
const createdIds: string[] = [];
beforeEach(() => {
  clock = new Date('2026-05-01T10:00:30Z');
});
// Each test's schedules end with it, so that the next test's passes meet only its own.
afterEach(async () => {
  for (const id of createdIds.splice(0)) {
    const schedule = await schedules.get(id);
    if (schedule?.status === 'running') await service().stop(alice, id);
  }
});

const alice = { name: 'alice' };
const service = () =>
  new ScheduleService({ schedules, runs: runService, signal: { changed: async () => {} }, now });
const ticker = (overrides: Partial<ConstructorParameters<typeof ScheduleTicker>[0]> = {}) =>
  new ScheduleTicker({
    schedules,
    runs: runService,
    runHead: (id) => runs.head(id),
    now,
    onError: (error) => {
      throw error;
    },
    ...overrides,
  });

let names = 0;
async function create(fields: Partial<CreateScheduleRequest> = {}): Promise<string> {
  const id = await service().create(alice, {
    name: `sched_${++names}`,
    desc: '',
    pipelineId,
    pipelineVersionId: '1',
    crontab: '* * * * *',
    startTime: '',
    endTime: '',
    concurrency: 0,
    concurrencyPolicy: 'suspend',
    expireInterval: 0,
    catchup: true,
    username: '',
    ...fields,
  });
  createdIds.push(id);
  return id;
}

const timeAndStatus = (run: { at: string; status: string }) => `${run.at} ${run.status}`;

async function runsOf(scheduleId: string) {
  const page = await runs.listBySchedule(scheduleId, { runIds: [], statuses: [] }, { limit: 1000 });
  return page.items.map((run) => ({
    id: run.id,
    at: run.scheduledAt.slice(11, 16),
    status: run.status,
    message: run.message,
  }));
}

describe('the ticker', () => {
  it('starts each due time once, even when two ticks overlap', async () => {
    const id = await create();
    expect((await schedules.get(id))!.nextRunAt).toBe('2026-05-01T10:01:00.000Z');
    advanceTo('2026-05-01T10:05:10Z');
    await Promise.all([ticker().pass(), ticker().pass(), ticker().tick(id)]);
    const created = await runsOf(id);
    expect(created.map(timeAndStatus)).toEqual([
      '10:01 pending',
      '10:02 pending',
      '10:03 pending',
      '10:04 pending',
      '10:05 pending',
    ]);
    const schedule = (await schedules.get(id))!;
    expect(schedule).toMatchObject({ nextRunAt: '2026-05-01T10:06:00.000Z', pending: [], stops: [] });
    expect(schedule.activeRunIds).toEqual(created.map((run) => run.id));
    // Each run was woken once per creation attempt that stored it, and is named for the schedule.
    const head = await runs.head(created[0]!.id);
    expect(head).toMatchObject({ scheduleId: id, name: schedule.name, owner: 'alice' });
    const created0 = published.filter((e) => e.detail.runID === created[0]!.id);
    expect(created0.map((e) => e.detail.newStatus)).toEqual(['pending']);
  });

  it('carries out a tick that stopped between storing its plan and creating the runs, once', async () => {
    const id = await create();
    advanceTo('2026-05-01T10:03:00Z');
    let failures = 0;
    const crashing = ticker({
      runs: {
        createScheduled: async (schedule, run) => {
          if (failures++ === 1) throw new Error('the process stopped');
          return runService.createScheduled(schedule, run);
        },
        stopForSchedule: (owner, runId) => runService.stopForSchedule(owner, runId),
        allocateRunId: () => runService.allocateRunId(),
      },
      onError: () => {},
    });
    await crashing.pass();
    const stuck = (await schedules.get(id))!;
    expect(stuck.pending.map((run) => run.scheduledAt)).toEqual([
      '2026-05-01T10:01:00.000Z',
      '2026-05-01T10:02:00.000Z',
      '2026-05-01T10:03:00.000Z',
    ]);
    expect(await runsOf(id)).toHaveLength(1);
    // Still due: the next pass finds it and finishes the job, creating nothing twice.
    expect((await schedules.due(clock, 100)).ids).toContain(id);
    await ticker().pass();
    expect((await runsOf(id)).map((run) => run.at)).toEqual(['10:01', '10:02', '10:03']);
    expect((await schedules.get(id))!.pending).toEqual([]);
  });

  it('suspend holds the next time until a run of the schedule ends', async () => {
    const id = await create({ concurrency: 1, concurrencyPolicy: 'suspend' });
    await passAt('2026-05-01T10:01:05Z');
    const [first] = await runsOf(id);
    await passAt('2026-05-01T10:03:05Z');
    expect(await runsOf(id)).toHaveLength(1);
    const held = (await schedules.get(id))!;
    expect(held.nextRunAt).toBe('2026-05-01T10:02:00.000Z');
    // Held, it is not due again for a minute: a tick does not spin on it.
    expect((await schedules.due(clock, 100)).ids).not.toContain(id);
    // The run ends (as its consumer would write it); the ended run's event ticks the schedule.
    const head = (await runs.head(first!.id))!;
    await runs.updateHead(head, { status: 'succeeded' });
    await ticker().tick(id);
    expect((await runsOf(id)).map(timeAndStatus)).toEqual(['10:01 succeeded', '10:02 pending']);
    expect((await schedules.get(id))!.nextRunAt).toBe('2026-05-01T10:03:00.000Z');
  });

  it('counts a retry of a scheduled run toward the schedule’s concurrency, as PaddleFlow does', async () => {
    const id = await create({ concurrency: 1, concurrencyPolicy: 'suspend' });
    await passAt('2026-05-01T10:01:05Z');
    const [first] = await runsOf(id);
    await runs.updateHead((await runs.head(first!.id))!, { status: 'failed' });
    const retried = await runService.retry(alice, first!.id);
    expect((await schedules.get(id))!.activeRunIds).toContain(retried);
    // The retry runs for the schedule: the next time is held, as for any active run of it.
    await passAt('2026-05-01T10:02:05Z');
    expect((await runsOf(id)).map((run) => run.id)).toEqual([first!.id, retried]);
    expect((await schedules.get(id))!.nextRunAt).toBe('2026-05-01T10:02:00.000Z');
  });

  it('without catch-up, after an outage, starts the latest time and records the others as skipped', async () => {
    const id = await create({ catchup: false });
    await passAt('2026-05-01T10:04:30Z');
    const created = await runsOf(id);
    expect(created.map(timeAndStatus)).toEqual([
      '10:01 skipped',
      '10:02 skipped',
      '10:03 skipped',
      '10:04 pending',
    ]);
    expect(created[0]!.message).toContain('catchup is false');
    // Skipped runs are recorded only: never woken.
    expect(posted.filter((p) => p.runId === created[0]!.id)).toEqual([]);
  });

  it('records times beyond expireInterval as skipped with PaddleFlow’s message', async () => {
    const id = await create({ expireInterval: 90 });
    await passAt('2026-05-01T10:04:30Z');
    const created = await runsOf(id);
    expect(created.map(timeAndStatus)).toEqual([
      '10:01 skipped',
      '10:02 skipped',
      '10:03 pending',
      '10:04 pending',
    ]);
    expect(created[0]!.message).toMatch(
      new RegExp(
        `^skip run of schedule\\[${id}\\] with schedule time\\[.+\\], beyond expire interval\\[90\\] before currentTime\\[.+\\]$`,
      ),
    );
  });

  it('replace stops the oldest active run for the new one', async () => {
    const id = await create({ concurrency: 1, concurrencyPolicy: 'replace' });
    await passAt('2026-05-01T10:01:05Z');
    await passAt('2026-05-01T10:02:05Z');
    const [first, second] = await runsOf(id);
    expect(second!.status).toBe('pending');
    expect((await runs.head(first!.id))!.stopRequest).toEqual({ force: false });
    expect(posted).toContainEqual({ runId: first!.id, event: { type: 'stop', force: false } });
  });

  it('ends the schedule once the next time passes the end time, and drops it from the due index', async () => {
    const id = await create({ endTime: '' });
    const schedule = (await schedules.get(id))!;
    await schedules.save(schedule, { ...schedule, endAt: '2026-05-01T10:02:00.000Z' });
    await passAt('2026-05-01T10:10:00Z');
    expect((await runsOf(id)).map((run) => run.at)).toEqual(['10:01', '10:02']);
    expect((await schedules.get(id))!.status).toBe('success');
    expect((await schedules.due(new Date('2030-01-01T00:00:00Z'), 1000)).ids).not.toContain(id);
  });
});
