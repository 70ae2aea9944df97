/**
 * Schedules (reference/paddleflow.md §1.9, §6): create, list, show, stop, delete. The checks run in
 * PaddleFlow's order (`controller/pipeline/schedule.go`), with its messages. Starting the runs is the
 * ticker's (schedule-ticker.ts); this service only records what users ask for, and tells the ticker.
 */
import { CrontabError, parseCrontab } from '../engine/cron/index.ts';
import { CONCURRENCY_POLICIES, type ConcurrencyPolicy } from '../engine/schedule/plan.ts';
import { PfError } from '../errors.ts';
import { formatLocalTime, parseLocalTime } from '../http/time.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import type { Page, PageRequest } from '../store/paging.ts';
import type { RunHead } from '../store/runs.ts';
import {
  FINAL_SCHEDULE_STATUSES,
  isFinalSchedule,
  type ScheduleFilter,
  type ScheduleRecord,
  type ScheduleRepository,
} from '../store/schedules.ts';
import { MAX_DESC_BYTES } from './pipelines.ts';
import type { RunService } from './runs.ts';
import { type Actor, assertAccess, listedOwners } from './users.ts';

/** PaddleFlow's RegPatternScheduleName. */
export const SCHEDULE_NAME = /^[A-Za-z_][A-Za-z0-9_]{1,49}$/;
const SCHEDULE_ID = /^schedule-\d{6,15}$/;

export interface CreateScheduleRequest {
  name: string;
  desc: string;
  pipelineId: string;
  pipelineVersionId: string;
  crontab: string;
  startTime: string;
  endTime: string;
  concurrency: number;
  concurrencyPolicy: string;
  expireInterval: number;
  catchup: boolean;
  username: string;
}

/**
 * Tells of a schedule's status change (created, stopped): the ticker hears it, since a new schedule may be due
 * within the minute, and so do users (status events).
 */
export interface ScheduleSignal {
  changed(schedule: ScheduleRecord, oldStatus: string): Promise<void>;
}

export interface ScheduleServiceDeps {
  schedules: ScheduleRepository;
  runs: Pick<RunService, 'checkRunnable' | 'listForSchedule'>;
  signal: ScheduleSignal;
  now?: () => Date;
}

const notFound = (id: string) => new PfError('ScheduleNotFound', `schedule[${id}] not found`);
const refuse = (message: string) => new PfError('InvalidArguments', `create schedule failed, ${message}`);

export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async create(actor: Actor, request: CreateScheduleRequest): Promise<string> {
    if (!SCHEDULE_NAME.test(request.name)) {
      throw new PfError(
        'InvalidNamePattern',
        `name[${request.name}] of schedule is invalid: it must match ${SCHEDULE_NAME.source}`,
      );
    }
    if (Buffer.byteLength(request.desc) > MAX_DESC_BYTES) {
      throw new PfError('InvalidArguments', `desc too long, should be less than ${MAX_DESC_BYTES}`);
    }
    const policy = (request.concurrencyPolicy || 'suspend') as ConcurrencyPolicy;
    if (request.concurrency < 0) throw refuse('err:[concurrency should not be negative]');
    if (!CONCURRENCY_POLICIES.includes(policy)) {
      throw refuse(`err:[concurrency policy[${request.concurrencyPolicy}] not supported]`);
    }
    if (request.expireInterval < 0) throw refuse('err:[expire interval should not be negative]');
    const now = this.now();
    const { startAt, endAt } = scheduleTimes(request.startTime, request.endTime, now);
    let nextRunAt: Date | undefined;
    try {
      nextRunAt = parseCrontab(request.crontab).next(startAt ?? now);
    } catch (error) {
      if (!(error instanceof CrontabError)) throw error;
      throw new PfError(
        'InvalidArguments',
        `check crontab failed in creating schedule. error:${error.message}`,
      );
    }
    if (!nextRunAt) {
      throw new PfError('InvalidArguments', `crontab[${request.crontab}] never fires within five years`);
    }
    if (!request.pipelineId || !request.pipelineVersionId) {
      throw new PfError(
        'InvalidArguments',
        'create schedule failed, pipelineID and pipelineVersionID are required',
      );
    }
    const source = {
      name: request.name,
      desc: request.desc,
      owner: actor.name,
      fsUser: request.username,
      pipelineId: request.pipelineId,
      pipelineVersionId: request.pipelineVersionId,
    };
    // Everything a tick needs to start a run is checked now, so a schedule does not fail at its first tick.
    const fsNames = await this.deps.runs.checkRunnable(source);
    const duplicated = () =>
      new PfError(
        'DuplicatedName',
        `CreateSchedule failed: user[${actor.name}] already has schedule with name[${request.name}]`,
      );
    if (await this.deps.schedules.nameTaken(actor.name, request.name)) throw duplicated();
    const { id, seq } = await this.deps.schedules.allocateId();
    const finished = endAt !== undefined && nextRunAt.getTime() > endAt.getTime();
    const record: ScheduleRecord = {
      ...source,
      id,
      seq,
      crontab: request.crontab,
      options: {
        catchup: request.catchup,
        expireInterval: request.expireInterval,
        concurrency: request.concurrency,
        concurrencyPolicy: policy,
      },
      startAt: startAt?.toISOString() ?? '',
      endAt: endAt?.toISOString() ?? '',
      nextRunAt: nextRunAt.toISOString(),
      message: '',
      status: finished ? 'success' : 'running',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      fsNames,
      activeRunIds: [],
      pending: [],
      stops: [],
      ...(finished ? {} : { dueAt: nextRunAt.toISOString() }),
      version: 1,
    };
    try {
      await this.deps.schedules.create(record);
    } catch (error) {
      if (error instanceof ConditionFailedError) throw duplicated();
      throw error;
    }
    await this.deps.signal.changed(record, '');
    return id;
  }

  /** Root sees everyone's schedules (or those of `owners`); anyone else their own and may not filter by user. */
  list(actor: Actor, filter: ScheduleFilter, page: PageRequest): Promise<Page<ScheduleRecord>> {
    const owners = listedOwners(actor, filter.owners);
    return this.deps.schedules.list({ ...filter, owners }, page);
  }

  async get(actor: Actor, id: string): Promise<ScheduleRecord> {
    const schedule = SCHEDULE_ID.test(id) ? await this.deps.schedules.get(id) : undefined;
    if (!schedule) throw notFound(id);
    assertAccess(actor, schedule.owner, 'schedule', id);
    return schedule;
  }

  /** A page of a schedule's runs (the schedule as `get` returned it). */
  runs(
    schedule: ScheduleRecord,
    filter: { runIds: string[]; statuses: string[] },
    page: PageRequest,
  ): Promise<Page<RunHead>> {
    return this.deps.runs.listForSchedule(schedule.id, filter, page);
  }

  /** `running` → `terminated`; its runs go on. A tick written and not yet carried out is still carried out. */
  async stop(actor: Actor, id: string): Promise<void> {
    for (;;) {
      const schedule = await this.get(actor, id);
      if (isFinalSchedule(schedule.status)) {
        throw new PfError(
          'ActionNotAllowed',
          `stop schedule[${id}] failed, already in status[${schedule.status}]`,
        );
      }
      const now = this.now().toISOString();
      // Out of the due index, unless a tick's plan is still to be carried out.
      const stopped: ScheduleRecord = {
        ...schedule,
        status: 'terminated',
        updatedAt: now,
        dueAt: schedule.pending.length > 0 ? now : undefined,
      };
      try {
        const saved = await this.deps.schedules.save(schedule, stopped);
        await this.deps.signal.changed(saved, schedule.status);
        return;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error; // a tick moved it: judge again
      }
    }
  }

  async delete(actor: Actor, id: string): Promise<void> {
    for (;;) {
      const schedule = await this.get(actor, id);
      if (!isFinalSchedule(schedule.status)) {
        throw new PfError(
          'ActionNotAllowed',
          `delete schedule[${id}] in status[${schedule.status}] failed. only schedules in final status: [${FINAL_SCHEDULE_STATUSES.join(' ')}] can be deleted`,
        );
      }
      try {
        await this.deps.schedules.delete(schedule);
        return;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
  }
}

/** PaddleFlow's `validateScheduleTime`: both optional, both after now, the end after the start. */
function scheduleTimes(startTime: string, endTime: string, now: Date) {
  const read = (label: string, text: string): Date | undefined => {
    if (text === '') return undefined;
    const time = parseLocalTime(text);
    if (!time) throw refuse(`${label}[${text}] format not correct, should be YYYY-MM-DD hh:mm:ss`);
    if (time.getTime() <= now.getTime()) {
      throw refuse(`${label}[${text}] not after currentTime[${formatLocalTime(now)}]`);
    }
    return time;
  };
  const startAt = read('starttime', startTime);
  const endAt = read('endtime', endTime);
  if (startAt && endAt && endAt.getTime() <= startAt.getTime()) {
    throw refuse(`endtime[${endTime}] not after startTime[${startTime}]`);
  }
  return { startAt, endAt };
}
