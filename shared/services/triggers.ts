/**
 * Triggers (Floe's extension, with PaddleFlow's conventions): a pipeline bound to an event pattern on Floe's bus.
 * Each trigger is a rule on the bus (TriggerRules: an EventBridge rule in AWS, the local bus's table locally)
 * whose target calls `fire` with the event; `fire` starts a run of the pipeline as the trigger's owner, its
 * parameters read out of the event. `publish` is `POST /event`: users' own events onto the same bus.
 *
 * The checks run in the order PaddleFlow's schedule create runs its own: the request's fields, then the
 * pipeline (as its runs will read it), then the store.
 */
import { JsonPathError, parseJsonPath } from '../engine/events/index.ts';
import { eventRunParameters } from '../engine/trigger-parameters.ts';
import { PfError } from '../errors.ts';
import { canonicalKeys, isPlainObject } from '../http/body.ts';
import {
  type BusEvent,
  type EventBus,
  type EventEntry,
  FLOE_SOURCE,
  type TriggerInvocation,
  type TriggerRule,
  type TriggerRules,
} from '../runtime/events.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import type { Page, PageRequest } from '../store/paging.ts';
import type { DeliveryClaim, TriggerFilter, TriggerRecord, TriggerRepository } from '../store/triggers.ts';
import { readEventPattern } from './event-pattern-input.ts';
import { MAX_DESC_BYTES } from './pipelines.ts';
import { type CreateRunRequest, type RunService, sourcedRunRequest } from './runs.ts';
import { SCHEDULE_NAME } from './schedules.ts';
import { type Actor, assertAccess, isRoot, listedOwners } from './users.ts';

/** A trigger is named like a schedule. */
const TRIGGER_NAME = SCHEDULE_NAME;
const TRIGGER_ID = /^trigger-\d{6,15}$/;

/** Parameters per trigger: far more than a pipeline has, few enough to keep the item small. */
const MAX_PARAMETERS = 100;
/** EventBridge's PutEvents limits. */
const MAX_EVENT_BYTES = 256 * 1024;
const MAX_SOURCE_CHARS = 256;
const MAX_DETAIL_TYPE_CHARS = 128;

export interface CreateTriggerRequest {
  name: string;
  desc: string;
  pipelineId: string;
  /** '' for the pipeline's latest version when the event comes. */
  pipelineVersionId: string;
  /** The EventBridge event pattern, as parsed JSON. */
  pattern: unknown;
  /** Run parameter name → JSON path into the event. */
  parameters: Record<string, string>;
  /** The fs user the runs act as ('' for the caller). */
  username: string;
  /** Default true. */
  enabled?: boolean;
}

/** `PUT /trigger/{id}`: the fields given are replaced, the others kept. */
export interface UpdateTriggerRequest {
  desc?: string;
  pattern?: unknown;
  parameters?: Record<string, string>;
  enabled?: boolean;
}

export interface TriggerServiceDeps {
  triggers: TriggerRepository;
  runs: Pick<RunService, 'createWithId' | 'allocateRunId' | 'checkRunnable'>;
  rules: TriggerRules;
  bus: EventBus;
  now?: () => Date;
}

const notFound = (id: string) => new PfError('TriggerNotFound', `trigger[${id}] not found`);
const invalid = (message: string) => new PfError('InvalidArguments', message);

/** EventBridge's PutRule refusing a pattern Floe's own validation let through. */
const isRefusedPattern = (error: unknown): error is Error =>
  (error as { name?: string } | undefined)?.name === 'InvalidEventPatternError';

export class TriggerService {
  constructor(private readonly deps: TriggerServiceDeps) {}

  private now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  async create(actor: Actor, request: CreateTriggerRequest): Promise<TriggerRecord> {
    if (!TRIGGER_NAME.test(request.name)) {
      throw new PfError(
        'InvalidNamePattern',
        `name[${request.name}] of trigger is invalid: it must match ${TRIGGER_NAME.source}`,
      );
    }
    checkDesc(request.desc);
    const pattern = readEventPattern(request.pattern);
    const parameters = checkParameters(request.parameters);
    if (!request.pipelineId) throw invalid('create trigger failed, pipelineID is required');
    const source = {
      name: request.name,
      desc: request.desc,
      owner: actor.name,
      fsUser: request.username,
      pipelineId: request.pipelineId,
      pipelineVersionId: request.pipelineVersionId,
    };
    // Everything a delivery needs to start a run is checked now, so a trigger does not fail at its first event.
    await this.deps.runs.checkRunnable(source);
    const duplicated = () =>
      new PfError(
        'DuplicatedName',
        `CreateTrigger failed: user[${actor.name}] already has trigger with name[${request.name}]`,
      );
    // Refuse the common case before burning an id; the conditional create settles any race.
    if (await this.deps.triggers.findByName(actor.name, request.name)) throw duplicated();
    const { id, seq } = await this.deps.triggers.allocateId();
    const now = this.now();
    let trigger: TriggerRecord;
    try {
      trigger = await this.deps.triggers.create({
        ...source,
        id,
        seq,
        pattern,
        parameters,
        enabled: request.enabled ?? true,
        message: '',
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) throw duplicated();
      throw error;
    }
    try {
      await this.deps.rules.put(ruleOf(trigger));
    } catch (error) {
      // A trigger without its rule would never fire: the create did not happen.
      await this.deps.triggers.delete(trigger).catch(() => undefined);
      if (isRefusedPattern(error)) throw invalid(`pattern is invalid: ${error.message}`);
      // A rule may have landed behind a timeout: it would find no trigger, but still count against the bus's
      // quota of rules.
      await this.deps.rules.remove(trigger.id).catch(() => undefined);
      throw error;
    }
    return trigger;
  }

  /** Root sees everyone's triggers (or those of `owners`); anyone else their own and may not filter by user. */
  async list(actor: Actor, filter: TriggerFilter, page: PageRequest): Promise<Page<TriggerRecord>> {
    const owners = listedOwners(actor, filter.owners);
    return this.deps.triggers.list({ ...filter, owners }, page);
  }

  async get(actor: Actor, id: string): Promise<TriggerRecord> {
    const trigger = await this.find(id);
    if (!trigger) throw notFound(id);
    assertAccess(actor, trigger.owner, 'trigger', id);
    return trigger;
  }

  /**
   * Replaces the fields given, clears the last delivery failure (the user has looked), then puts the rule again:
   * a PUT also repairs a rule that an earlier failure left behind the stored trigger.
   */
  async update(actor: Actor, id: string, changes: UpdateTriggerRequest): Promise<TriggerRecord> {
    if (changes.desc !== undefined) checkDesc(changes.desc);
    const pattern = changes.pattern === undefined ? undefined : readEventPattern(changes.pattern);
    const parameters = changes.parameters === undefined ? undefined : checkParameters(changes.parameters);
    for (;;) {
      const previous = await this.get(actor, id);
      const next: TriggerRecord = {
        ...previous,
        desc: changes.desc ?? previous.desc,
        pattern: pattern ?? previous.pattern,
        parameters: parameters ?? previous.parameters,
        enabled: changes.enabled ?? previous.enabled,
        message: '',
        updatedAt: this.now(),
      };
      let saved: TriggerRecord;
      try {
        saved = await this.deps.triggers.save(previous, next);
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        continue; // a delivery recorded a failure, or another update landed: apply to what is there now
      }
      try {
        await this.deps.rules.put(ruleOf(saved));
      } catch (error) {
        if (!isRefusedPattern(error)) throw error; // the stored trigger wins; a PUT again repairs the rule
        // The rule still has the old pattern: so must the trigger.
        await this.deps.triggers.save(saved, previous).catch(() => undefined);
        throw invalid(`pattern is invalid: ${error.message}`);
      }
      return saved;
    }
  }

  /** Removes the rule first: a trigger whose delete failed halfway is still there to delete again. */
  async delete(actor: Actor, id: string): Promise<void> {
    for (;;) {
      const trigger = await this.get(actor, id);
      await this.deps.rules.remove(trigger.id);
      try {
        await this.deps.triggers.delete(trigger);
        return;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
  }

  /** `POST /event`: one event of the caller's onto Floe's bus. Returns its id. */
  async publish(_actor: Actor, body: unknown): Promise<string> {
    const entry = readEventEntry(body);
    const [eventId] = await this.deps.bus.publish([entry]);
    return eventId!;
  }

  /**
   * What a trigger's rule target runs for each matching event: starts one run per (trigger, event), however
   * often the event is delivered. Returns the run's id, or undefined when no run was started. A refusal of the
   * run (the pipeline deleted, a parameter the YAML rejects…) is recorded on the trigger, not thrown: a retry
   * would be refused again. Anything else is thrown, so that the delivery is retried.
   */
  async fire({ triggerID, event }: TriggerInvocation): Promise<string | undefined> {
    const trigger = await this.find(triggerID);
    // Deleted or disabled since the bus matched the event: its rule is going or gone.
    if (!trigger?.enabled || !mayReceive(trigger, event)) return undefined;
    const claim = await this.claimRun(trigger.id, event.id);
    try {
      await this.deps.runs.createWithId({ name: trigger.owner }, runRequest(trigger, event), {
        runId: claim.runId,
        seq: claim.seq,
        status: 'start',
        message: '',
      });
      return claim.runId;
    } catch (error) {
      if (!(error instanceof PfError)) throw error;
      await this.recordFailure(trigger, `event[${event.id}] started no run: ${error.message}`);
      return undefined;
    }
  }

  /** The rules the local bus keeps, from every stored trigger (it loads them at start-up). */
  async rulesForLocalBus(): Promise<TriggerRule[]> {
    return (await this.deps.triggers.all()).map(ruleOf);
  }

  /** Only `trigger-` and a number can name a trigger: anything else is not found without a read. */
  private async find(id: string): Promise<TriggerRecord | undefined> {
    return TRIGGER_ID.test(id) ? this.deps.triggers.get(id) : undefined;
  }

  /** The run id this event's delivery to the trigger takes: the one an earlier delivery took, if any did. */
  private async claimRun(triggerId: string, eventId: string): Promise<DeliveryClaim> {
    const held = await this.deps.triggers.getDeliveryClaim(triggerId, eventId);
    if (held) return held;
    const { id, seq } = await this.deps.runs.allocateRunId();
    try {
      await this.deps.triggers.putDeliveryClaim(triggerId, eventId, id, seq);
      return { runId: id, seq };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      // A concurrent delivery of the same event claimed first: its run is this event's run (our id is burned).
      const won = await this.deps.triggers.getDeliveryClaim(triggerId, eventId);
      if (!won) throw error;
      return won;
    }
  }

  /** Best effort: a user's update racing the write wins, and has cleared the message anyway. */
  private async recordFailure(trigger: TriggerRecord, message: string): Promise<void> {
    try {
      await this.deps.triggers.setMessage(trigger, message);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

const ruleOf = (trigger: TriggerRecord): TriggerRule => ({
  triggerId: trigger.id,
  pattern: trigger.pattern,
  enabled: trigger.enabled,
});

/**
 * Floe's own status events belong to the run's (or schedule's) owner, as their webhooks do: a trigger acts on
 * those of its owner's only (root's on everyone's), whatever its pattern matches. Users' events are public.
 */
function mayReceive(trigger: TriggerRecord, event: BusEvent): boolean {
  if (event.source !== FLOE_SOURCE || isRoot(trigger.owner)) return true;
  const username = event.detail.username;
  return typeof username === 'string' && username.toLowerCase() === trigger.owner.toLowerCase();
}

/** The run a delivery starts: the trigger's pipeline, its parameters read out of the event. */
function runRequest(trigger: TriggerRecord, event: BusEvent): CreateRunRequest {
  const parameters = eventRunParameters(trigger.parameters, event);
  return sourcedRunRequest(trigger, {
    description: `triggered by event ${event.id} of ${event.source}/${event['detail-type']}`,
    parameters: Object.keys(parameters).length > 0 ? parameters : null,
  });
}

function checkDesc(desc: string): void {
  if (Buffer.byteLength(desc) > MAX_DESC_BYTES) {
    throw invalid(`desc too long, should be less than ${MAX_DESC_BYTES}`);
  }
}

function checkParameters(parameters: Record<string, string>): Record<string, string> {
  const entries = Object.entries(parameters);
  if (entries.length > MAX_PARAMETERS) {
    throw invalid(`parameters has ${entries.length} entries, at most ${MAX_PARAMETERS}`);
  }
  for (const [name, path] of entries) {
    if (name.trim() === '') throw invalid('parameters: a parameter name must not be empty');
    try {
      parseJsonPath(path);
    } catch (error) {
      if (error instanceof JsonPathError) throw invalid(`parameter[${name}] is invalid: ${error.message}`);
      throw error;
    }
  }
  return parameters;
}

const EVENT_FIELDS = ['source', 'detail-type', 'detailType', 'detail', 'resources'] as const;

/** `POST /event`'s body as a PutEvents entry, or 400 naming the field and the problem. */
function readEventEntry(body: unknown): EventEntry {
  if (!isPlainObject(body)) throw new PfError('MalformedJSON', 'request body must be a JSON object');
  const fields = canonicalKeys(body, EVENT_FIELDS);
  const { source, detail, resources } = fields;
  const detailType = fields['detail-type'] ?? fields.detailType;
  if (typeof source !== 'string' || source === '') {
    throw invalid('source is required: a non-empty string naming who sends the event');
  }
  if (source.length > MAX_SOURCE_CHARS) throw invalid(`source is longer than ${MAX_SOURCE_CHARS} characters`);
  if (source === FLOE_SOURCE || source.startsWith('aws.')) {
    throw invalid(
      `source[${source}] is reserved: "${FLOE_SOURCE}" and "aws." sources are not for users' events`,
    );
  }
  if (typeof detailType !== 'string' || detailType === '') {
    throw invalid('detail-type is required: a non-empty string saying what kind of event it is');
  }
  if (detailType.length > MAX_DETAIL_TYPE_CHARS) {
    throw invalid(`detail-type is longer than ${MAX_DETAIL_TYPE_CHARS} characters`);
  }
  if (!isPlainObject(detail)) throw invalid('detail is required: a JSON object');
  if (
    resources !== undefined &&
    !(Array.isArray(resources) && resources.every((resource) => typeof resource === 'string'))
  ) {
    throw invalid('resources must be an array of strings');
  }
  const entry: EventEntry = { source, detailType, detail, ...(resources ? { resources } : {}) };
  const size = Buffer.byteLength(JSON.stringify(entry));
  if (size > MAX_EVENT_BYTES) {
    throw invalid(`event is ${size} bytes, at most ${MAX_EVENT_BYTES} (EventBridge's limit)`);
  }
  return entry;
}
