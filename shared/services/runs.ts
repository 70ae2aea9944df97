/**
 * Runs (reference/paddleflow.md §1.7, §4.7): create, list, show, stop, retry, delete. The service decides
 * what a request may do and records it; the run's consumer (run-engine.ts) moves the run, woken through the
 * mailbox. Nothing here dispatches a job.
 */

import { md5Hex } from '../engine/run/ids.ts';
import {
  createRunState,
  FINAL_RUN_STATUSES,
  isFinalRun,
  type NodeState,
  type RunContext,
  retryRunState,
} from '../engine/run/index.ts';
import { mountViewOf } from '../engine/run/paths.ts';
import { type PipelineSpec, parsePipelineYaml, parseRunJson } from '../engine/spec/index.ts';
import { PfError } from '../errors.ts';
import type { EventBus, EventEntry } from '../runtime/events.ts';
import { type ExecutorProfile, executorProfile } from '../runtime/executor-profile.ts';
import type { Mailbox } from '../runtime/ports.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import type { FileSystemRecord } from '../store/filesystems.ts';
import type { Page, PageRequest } from '../store/paging.ts';
import type { RunFilter, RunHead, RunRecord, RunRepository, RunRequestFields } from '../store/runs.ts';
import type { PendingRun, ScheduleRecord } from '../store/schedules.ts';
import type { FileSystemService } from './filesystems.ts';
import { type FlavourCatalogue, flavoursFromEnv } from './flavours.ts';
import { parseOrRefuse } from './pipelines.ts';
import { placeRun } from './run-placement.ts';
import { type RunSourceDeps, type RunSourceRequest, readRunSource } from './run-source.ts';
import { runStatusEvent } from './status-events.ts';
import { type Actor, assertAccess, visibleOwners } from './users.ts';

/** PaddleFlow's RegPatternRunName. */
const RUN_NAME = /^[A-Za-z0-9_][A-Za-z0-9-_]{1,49}[A-Za-z0-9_]$/;

const RUN_ID = /^run-\d{6,15}$/;

/**
 * What `read` finds of run `id` (its head, its record or its whole partition), if the actor may see the run.
 * A malformed id names no run: not found without a read.
 */
export async function findVisibleRun<T>(
  actor: Actor,
  id: string,
  read: (id: string) => Promise<T | undefined>,
  ownerOf: (found: T) => string,
): Promise<T> {
  const found = RUN_ID.test(id) ? await read(id) : undefined;
  if (!found) throw new PfError('RunNotFound', `resouceType[run] with ID[${id}] not found`);
  assertAccess(actor, ownerOf(found), 'run', id);
  return found;
}

export interface CreateRunRequest extends RunSourceRequest {
  name: string;
  description: string;
  parameters: Record<string, unknown> | null;
  dockerEnv: string;
  disabled: string;
  failureStrategy: string;
  scheduleId: string;
  scheduledAt: string;
  /** Floe: failed steps halt for an operator instead of failing the run (seed 003's debug mode). */
  debug?: true;
  /** Floe: a dry run that resolves every step and runs none (seed 003's mock). */
  mock?: true;
}

/** What a schedule's (or a trigger's) runs are made from: its fields of these names (see store/schedules.ts). */
export type RunTemplate = Pick<
  ScheduleRecord,
  'name' | 'desc' | 'owner' | 'fsUser' | 'pipelineId' | 'pipelineVersionId'
>;

/** The id (and, for a recorded-only run, the status and message) a run is created under. */
export type PresetRun = Pick<PendingRun, 'runId' | 'seq' | 'status' | 'message'>;

/** What the service needs of the file systems on the steps' machine. */
export interface RunFiles {
  /** Removes `.pipeline/<runId>` under the fs root (not its sub_path), as PaddleFlow does on delete. */
  removeRunArtifacts(fs: FileSystemRecord, runId: string): Promise<void>;
}

export interface RunServiceDeps extends RunSourceDeps {
  runs: RunRepository;
  files: RunSourceDeps['files'] & Pick<FileSystemService, 'resolveForUse'>;
  mailbox: Mailbox;
  runFiles: RunFiles;
  /** Where run status events go (the run's creation is its first status change). */
  events?: EventBus;
  /** Counts a retry of a scheduled run toward its schedule's concurrency, as PaddleFlow does. */
  schedules?: { adoptRun(scheduleId: string, runId: string): Promise<void> };
  /** What steps can mount and how flavours become sizes; by default `FLOE_EXECUTOR`'s, read per run. */
  executor?: () => ExecutorProfile;
  /** Where flavours are found; by default PaddleFlow's seed flavours and `FLOE_FLAVOURS`. */
  flavours?: FlavourCatalogue;
  now?: () => Date;
}

export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  private now() {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  async create(actor: Actor, request: CreateRunRequest): Promise<string> {
    const { spec, fields } = await this.prepare(actor, request);
    return this.start(actor, spec, fields, request.username);
  }

  /**
   * A run a schedule's tick decided on, under the id the tick took for it (so that a tick carried out twice
   * creates it once), as the schedule's owner. A `skipped` one is recorded and never started.
   */
  async createScheduled(schedule: RunTemplate & { id: string }, planned: PendingRun): Promise<void> {
    const request = sourcedRunRequest(schedule, {
      scheduleId: schedule.id,
      scheduledAt: planned.scheduledAt,
    });
    await this.createWithId({ name: schedule.owner }, request, planned);
  }

  /**
   * A run under an id taken before it (by a schedule's tick, by a trigger's delivery of an event), so that a
   * request carried out twice creates one run. `skipped`: only recorded, never started.
   */
  async createWithId(actor: Actor, request: CreateRunRequest, preset: PresetRun): Promise<void> {
    const { spec, fields } = await this.prepare(actor, request);
    await this.start(actor, spec, fields, request.username, preset);
  }

  /**
   * What creating a schedule or a trigger checks: that its runs could be created now (the pipeline version
   * readable by the owner, its YAML valid, every fs it names usable). Returns the file systems it names.
   */
  async checkRunnable(source: RunTemplate): Promise<string[]> {
    const actor = { name: source.owner };
    const request = sourcedRunRequest(source);
    const { spec } = await this.prepare(actor, request);
    const { context } = await this.resolveFileSystems(actor, spec, request.username || actor.name);
    return Object.keys(context.fsIds);
  }

  /** Takes a run id ahead of creating the run (see `createWithId`). */
  allocateRunId(): Promise<{ id: string; seq: number }> {
    return this.deps.runs.allocateId();
  }

  /** Stops a run for its schedule (`replace`), not forced; a run that ended meanwhile is left as it is. */
  async stopForSchedule(owner: string, id: string): Promise<void> {
    try {
      await this.stop({ name: owner }, id, false);
    } catch (error) {
      if (!(error instanceof PfError)) throw error;
    }
  }

  /** The checked spec of a create request and the run fields it records. */
  private async prepare(actor: Actor, request: CreateRunRequest) {
    const { yaml, source } = await readRunSource(actor, request, this.deps);
    if (request.name !== '' && !RUN_NAME.test(request.name)) {
      throw new PfError(
        'InvalidNamePattern',
        `name[${request.name}] of run is invalid: it must match ${RUN_NAME.source}`,
      );
    }
    const spec = parseOrRefuse(() =>
      parsePipelineYaml(yaml, {
        ...(request.fsName ? { fsName: request.fsName } : {}),
        ...(request.parameters ? { parameters: request.parameters } : {}),
        overrides: {
          name: request.name,
          dockerEnv: request.dockerEnv,
          disabled: request.disabled,
          failureStrategy: request.failureStrategy,
        },
      }),
    );
    if (!RUN_NAME.test(spec.name)) {
      throw new PfError(
        'InvalidNamePattern',
        `name[${spec.name}] of run is invalid: it must match ${RUN_NAME.source}`,
      );
    }
    if (request.fsName && spec.fsOptions.mainFs && spec.fsOptions.mainFs.name !== request.fsName) {
      throw new PfError('InvalidArguments', '[main_fs.name] should be same as fs_name in request');
    }
    return { spec, fields: { ...request, runYaml: yaml, source } };
  }

  /** `POST /runjson`: the pipeline as JSON; the fs comes from its `fsOptions.mainFS`. */
  async createFromJson(actor: Actor, body: Record<string, unknown>): Promise<string> {
    const parsed = parseOrRefuse(() => parseRunJson(body, {}));
    const runYaml = JSON.stringify(body);
    return this.start(
      actor,
      parsed.spec,
      {
        name: '',
        description: parsed.description ?? '',
        parameters: null,
        dockerEnv: '',
        disabled: '',
        failureStrategy: '',
        scheduleId: '',
        scheduledAt: '',
        runYaml,
        source: md5Hex(runYaml),
      },
      parsed.username ?? '',
    );
  }

  list(actor: Actor, filter: RunFilter, page: PageRequest): Promise<Page<RunHead>> {
    const owners = visibleOwners(actor, filter.owners);
    return this.deps.runs.list({ ...filter, owners }, page);
  }

  /** A schedule's runs (the caller has checked access to the schedule). */
  listForSchedule(
    scheduleId: string,
    filter: Pick<RunFilter, 'runIds' | 'statuses'>,
    page: PageRequest,
  ): Promise<Page<RunHead>> {
    return this.deps.runs.listBySchedule(scheduleId, filter, page);
  }

  async get(actor: Actor, id: string): Promise<RunRecord> {
    return findVisibleRun(
      actor,
      id,
      (runId) => this.deps.runs.get(runId),
      (run) => run.owner,
    );
  }

  /** The run with every node it has (one Query of its partition, which is also what the access check reads). */
  async detail(actor: Actor, id: string): Promise<{ run: RunRecord; nodes: NodeState[] }> {
    const loaded = await this.loadVisible(actor, id);
    return { run: loaded.record, nodes: Object.values(loaded.state.nodes) };
  }

  /** Asks the run's consumer to stop it (§4.7); the request is recorded on the run, so it survives a restart. */
  async stop(actor: Actor, id: string, force: boolean): Promise<void> {
    // The head alone holds all a stop decides on and writes.
    const readHead = () =>
      findVisibleRun(
        actor,
        id,
        (runId) => this.deps.runs.head(runId),
        (run) => run.owner,
      );
    let run = await readHead();
    for (;;) {
      if (isFinalRun(run.status)) {
        throw new PfError(
          'ActionNotAllowed',
          `run[${id}] is already ${run.status}: only active runs can be stopped`,
        );
      }
      if (run.status === 'terminating' && !force) {
        throw new PfError(
          'ActionNotAllowed',
          `run[${id}] is already terminating; stop it with stopForce to force it`,
        );
      }
      try {
        await this.deps.runs.requestStop(run, force || run.stopRequest?.force === true, this.now());
        break;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        run = await readHead(); // the consumer moved the run meanwhile: judge again
      }
    }
    await this.deps.mailbox.post(id, { type: 'stop', force });
  }

  /** A new run of the same pipeline that keeps the succeeded and skipped components (§4.7). */
  async retry(actor: Actor, id: string): Promise<string> {
    const loaded = await this.loadVisible(actor, id);
    const previous = loaded.record;
    if (previous.status !== 'failed' && previous.status !== 'terminated') {
      throw new PfError(
        'ActionNotAllowed',
        `run[${id}] is ${previous.status}: only failed or terminated runs can be retried`,
      );
    }
    const { id: newId, seq } = await this.deps.runs.allocateId();
    const context: RunContext = { ...previous.context, runId: newId };
    const now = this.now();
    const state = retryRunState(loaded.state, context);
    const record: RunRecord = {
      ...pickRequest(previous),
      id: newId,
      seq,
      status: state.status,
      message: state.message,
      spec: state.spec,
      context,
      createdAt: now,
      updatedAt: now,
      runCachedIds: [],
      version: 1,
    };
    await this.deps.runs.create(record, Object.values(state.nodes));
    if (record.scheduleId) {
      // The retry stands even if this fails: at worst the schedule starts one run more than its concurrency.
      await this.deps.schedules?.adoptRun(record.scheduleId, newId).catch((error: unknown) => {
        console.warn('counting a retried run toward its schedule failed', error);
      });
    }
    await this.publish([runStatusEvent(record, '', now)]);
    await this.deps.mailbox.post(newId, { type: 'resume' });
    return newId;
  }

  /** Deletes a final run, its records and its artifacts (`.pipeline/<runID>` on the main fs). */
  async delete(actor: Actor, id: string, checkCache: boolean): Promise<void> {
    const run = await this.get(actor, id);
    if (!isFinalRun(run.status)) {
      throw new PfError(
        'ActionNotAllowed',
        `run[${id}] is ${run.status}: only runs in final status: [${FINAL_RUN_STATUSES.join(' ')}] can be deleted`,
      );
    }
    if (checkCache && run.runCachedIds.length > 0) {
      const existing = await this.deps.runs.existing(run.runCachedIds);
      if (existing.length > 0) {
        throw new PfError(
          'ActionNotAllowed',
          `run[${id}] is cached by other Runs[${existing.join(',')}]; delete them first, or delete with checkCache false`,
        );
      }
    }
    if (run.context.mainFs) {
      const fs = await this.deps.files.resolveForUse(actor, run.fsName, run.owner).catch(() => undefined);
      if (fs) await this.deps.runFiles.removeRunArtifacts(fs, id);
    }
    try {
      await this.deps.runs.delete(run);
    } catch (error) {
      if (error instanceof ConditionFailedError) return this.delete(actor, id, checkCache);
      throw error;
    }
  }

  /** Status events are told, not relied on: a bus that fails does not undo or fail the request. */
  private async publish(entries: EventEntry[]): Promise<void> {
    await this.deps.events?.publish(entries).catch((error: unknown) => {
      console.warn('publishing status events failed', error);
    });
  }

  private loadVisible(actor: Actor, id: string) {
    return findVisibleRun(
      actor,
      id,
      (runId) => this.deps.runs.load(runId),
      (loaded) => loaded.record.owner,
    );
  }

  /**
   * Stores the run and wakes its consumer. `preset` is a scheduled run's: its id, and `skipped` for one that is
   * only recorded. A preset run stored already is not stored again, but woken again (the first try may have
   * stopped between the two).
   */
  private async start(
    actor: Actor,
    spec: PipelineSpec,
    request: Omit<RunRequestFields, 'owner' | 'fsName'>,
    username: string,
    preset?: PresetRun,
  ): Promise<string> {
    const owner = username || actor.name;
    const { context, fsName } = await this.resolveFileSystems(actor, spec, owner);
    const { id, seq } = preset ? { id: preset.runId, seq: preset.seq } : await this.deps.runs.allocateId();
    context.runId = id;
    if (request.mock) context.mock = true;
    const now = this.now();
    const state = createRunState(spec, context);
    const skipped = preset?.status === 'skipped';
    const record: RunRecord = {
      ...request,
      name: spec.name,
      owner,
      fsName,
      id,
      seq,
      status: skipped ? 'skipped' : state.status,
      message: skipped ? preset.message : state.message,
      spec,
      context,
      createdAt: now,
      updatedAt: now,
      runCachedIds: [],
      version: 1,
    };
    let stored = true;
    try {
      await this.deps.runs.create(record, []);
    } catch (error) {
      if (!(preset && error instanceof ConditionFailedError)) throw error;
      stored = false;
    }
    if (stored) await this.publish([runStatusEvent(record, '', now)]);
    if (!skipped) await this.deps.mailbox.post(id, { type: 'resume' });
    return id;
  }

  /**
   * Every fs the run names must exist and be the owner's (or root's to use); those its container steps mount
   * must be ones they can mount, and on Fargate their flavours must fit a task (run-placement.ts).
   */
  private async resolveFileSystems(actor: Actor, spec: PipelineSpec, owner: string) {
    const names = new Set<string>();
    const mainFs = spec.fsOptions.mainFs;
    if (mainFs) names.add(mainFs.name);
    for (const mount of spec.fsOptions.extraFs) names.add(mount.name);
    for (const step of stepsOf(spec)) for (const mount of step.extraFs) names.add(mount.name);
    const fsIds: Record<string, string> = {};
    const fileSystems = new Map<string, FileSystemRecord>();
    for (const name of names) {
      const fs = await this.deps.files.resolveForUse(actor, name, owner);
      fsIds[name] = fs.id;
      fileSystems.set(name, fs);
    }
    // What the executor can run (mounts, and on Fargate the steps' sizes), decided now: see run-placement.ts.
    const profile = (this.deps.executor ?? executorProfile)();
    const placement = await placeRun(spec, fileSystems, profile, this.deps.flavours ?? flavoursFromEnv());
    const context: RunContext = { runId: '', userName: owner, fsIds, ...placement };
    // The main fs is the steps' working directory: never read-only; an empty mount_path is the default one.
    if (mainFs)
      context.mainFs = mountViewOf(context, {
        ...mainFs,
        mountPath: mainFs.mountPath || undefined,
        readOnly: false,
      });
    return { context, fsName: mainFs?.name ?? '' };
  }
}

function* stepsOf(spec: PipelineSpec) {
  const stack = [...Object.values(spec.entryPoints), ...Object.values(spec.postProcess)];
  while (stack.length > 0) {
    const component = stack.pop()!;
    if (component.kind === 'step') yield component;
    else stack.push(...Object.values(component.entryPoints));
  }
}

/**
 * The run a schedule's tick or a trigger's delivery asks for (PaddleFlow's scheduler's CreateRunRequest, §6):
 * its pipeline version, as its owner, with its fs user. The run is named after the source, unless that is no
 * valid run name (it may be shorter than a run name can be), in which case the pipeline's own name serves.
 */
export function sourcedRunRequest(
  source: RunTemplate,
  fields: Partial<CreateRunRequest> = {},
): CreateRunRequest {
  return {
    fsName: '',
    username: source.fsUser,
    name: RUN_NAME.test(source.name) ? source.name : '',
    description: source.desc,
    parameters: null,
    dockerEnv: '',
    disabled: '',
    failureStrategy: '',
    runYamlRaw: '',
    pipelineId: source.pipelineId,
    pipelineVersionId: source.pipelineVersionId,
    runYamlPath: '',
    scheduleId: '',
    scheduledAt: '',
    ...fields,
  };
}

function pickRequest(run: RunRecord): RunRequestFields {
  const { name, source, owner, fsName, description, parameters, runYaml, dockerEnv, disabled } = run;
  const { failureStrategy, scheduleId, scheduledAt, pipelineId, pipelineVersionId } = run;
  return {
    ...(pipelineId ? { pipelineId, pipelineVersionId: pipelineVersionId ?? '' } : {}),
    name,
    source,
    owner,
    fsName,
    description,
    parameters,
    runYaml,
    dockerEnv,
    disabled,
    failureStrategy,
    scheduleId,
    scheduledAt,
  };
}
