/**
 * Triggers below HTTP, on dynalite: the real trigger, run, pipeline and fs services and stores, and the local
 * runtime's bus (its trigger rules delivering to `fire`, as the runtime connects them). Only the mailbox records
 * what is posted instead of running the runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo.ts';
import { LocalEventBus } from '../../infra/local/event-bus.ts';
import {
  type BusEvent,
  DETAIL_TYPES,
  FLOE_SOURCE,
  type TriggerInvocation,
  type TriggerRule,
} from '../../shared/runtime/events.ts';
import { FileSystemService } from '../../shared/services/filesystems.ts';
import { PipelineService } from '../../shared/services/pipelines.ts';
import { RunService } from '../../shared/services/runs.ts';
import { type CreateTriggerRequest, TriggerService } from '../../shared/services/triggers.ts';
import type { TableRef } from '../../shared/store/client.ts';
import { FileSystemRepository } from '../../shared/store/filesystems.ts';
import { LinkRepository } from '../../shared/store/links.ts';
import { PipelineRepository } from '../../shared/store/pipelines.ts';
import { RunRepository } from '../../shared/store/runs.ts';
import { type TriggerRecord, TriggerRepository } from '../../shared/store/triggers.ts';
import { RecordingMailbox } from '../support/in-process.ts';
import { pfError } from '../support/pf-error.ts';
import { base64 } from '../support/pipelines.ts';
import { startTestTable, testCipher, withUsers } from '../support/table.ts';

/** The id of the bus's own catch-all rule, through which it records every event published. */
const RECORDER = 'recorder';

/**
 * The local runtime's bus, its trigger rules delivering to `fire`, recording what the tests look at: the rules
 * put on it, every event published, and what each delivery's `fire` answered.
 */
class RecordingBus extends LocalEventBus {
  readonly rules = new Map<string, TriggerRule>();
  readonly events: BusEvent[] = [];
  readonly fired: { triggerID: string; eventId: string; runId: string | undefined }[] = [];
  /** The next `put` fails as EventBridge's PutRule fails on a pattern it refuses. */
  refuseNextPut?: string;

  constructor(fire: (invocation: TriggerInvocation) => Promise<string | undefined>) {
    super((error) => {
      throw error;
    });
    void super.put({ triggerId: RECORDER, pattern: { source: [{ exists: true }] }, enabled: true });
    this.connect({
      tick: async () => {},
      webhooks: async () => {},
      trigger: async (invocation) => {
        if (invocation.triggerID === RECORDER) {
          this.events.push(invocation.event);
          return;
        }
        const runId = await fire(invocation);
        this.fired.push({ triggerID: invocation.triggerID, eventId: invocation.event.id, runId });
      },
    });
  }

  override async put(rule: TriggerRule): Promise<void> {
    if (this.refuseNextPut) {
      const error = new Error(this.refuseNextPut);
      error.name = 'InvalidEventPatternError';
      this.refuseNextPut = undefined;
      throw error;
    }
    this.rules.set(rule.triggerId, rule);
    await super.put(rule);
  }

  override async remove(triggerId: string): Promise<void> {
    this.rules.delete(triggerId);
    await super.remove(triggerId);
  }
}

let dynamo: LocalDynamo;
let ref: TableRef;
let bus: RecordingBus;
let mailbox: RecordingMailbox;
let runs: RunRepository;
let triggers: TriggerRepository;
let service: TriggerService;
let pipelines: PipelineService;
let pipelineId: string;

const alice = { name: 'alice' };
const bobby = { name: 'bobby' };
const root = { name: 'root' };

const YAML = [
  'name: demo',
  'docker_env: python:3.9',
  'entry_points:',
  '  main:',
  '    command: echo {{size}} {{label}} {{flag}} {{extra}}',
  '    parameters:',
  '      size: 1',
  '      label: "none"',
  '      flag: "false"',
  '      extra: ""',
  '',
].join('\n');

beforeAll(async () => {
  ({ dynamo, ref } = await startTestTable());
  const users = await withUsers(ref, ['alice', 'bobby']);
  const cipher = testCipher();
  const files = new FileSystemService(new FileSystemRepository(ref), new LinkRepository(ref), users, cipher);
  pipelines = new PipelineService(new PipelineRepository(ref), files);
  runs = new RunRepository(ref);
  mailbox = new RecordingMailbox();
  const runService = new RunService({
    runs,
    files,
    pipelines,
    mailbox,
    runFiles: { removeRunArtifacts: async () => {} },
  });
  bus = new RecordingBus((invocation) => service.fire(invocation));
  triggers = new TriggerRepository(ref);
  service = new TriggerService({ triggers, runs: runService, rules: bus, bus });
  pipelineId = (await newPipeline(alice, 'demo')).id;
});
afterAll(async () => {
  await dynamo.close();
});

async function newPipeline(actor: { name: string }, name: string) {
  const { pipeline } = await pipelines.create(actor, {
    fsName: '',
    yamlPath: '',
    yamlRaw: base64(YAML.replace('name: demo', `name: ${name}`)),
    username: '',
    desc: '',
  });
  return pipeline;
}

let names = 0;
const request = (fields: Partial<CreateTriggerRequest> = {}): CreateTriggerRequest => ({
  name: `trigger_${++names}`,
  desc: '',
  pipelineId,
  pipelineVersionId: '1',
  // No test publishes from this source: a trigger fires only where a test gives it a pattern of its own.
  pattern: { source: ['quiet'] },
  parameters: {},
  username: '',
  ...fields,
});

/** A user's event, as `POST /event` would publish it; returns its id. */
const publish = (detail: Record<string, unknown>, source = 'shop', detailType = 'order placed') =>
  service.publish(alice, { source, 'detail-type': detailType, detail });

const firedBy = (eventId: string) => bus.fired.filter((delivery) => delivery.eventId === eventId);

describe('create, read, list', () => {
  it('stores a trigger with a PaddleFlow id, puts its rule, and shows it to its owner and root only', async () => {
    const pattern = { source: ['shop'], detail: { total: [1e300], 'b-first': ['x'], a: ['y'] } };
    const created = await service.create(alice, request({ pattern, desc: 'on big orders', enabled: false }));
    expect(created.id).toMatch(/^trigger-\d{6}$/);
    expect(created).toMatchObject({ owner: 'alice', fsUser: '', enabled: false, message: '', version: 1 });
    expect(bus.rules.get(created.id)).toEqual({ triggerId: created.id, pattern, enabled: false });
    // The pattern comes back as given: numbers beyond DynamoDB's range, keys in the order written.
    const read = await service.get(alice, created.id);
    expect(read).toEqual(created);
    expect(Object.keys(read.pattern.detail as object)).toEqual(['total', 'b-first', 'a']);
    expect(await service.get(root, created.id)).toEqual(created);
    expect((await pfError(service.get(bobby, created.id))).code).toBe('AccessDenied');
    expect((await pfError(service.get(alice, 'trigger-999999'))).code).toBe('TriggerNotFound');
    expect((await pfError(service.get(alice, 'not-an-id'))).status).toBe(404);
  });

  it('lists own triggers, filtered by pipeline and name; root lists anyone’s', async () => {
    const other = await newPipeline(alice, 'other');
    const a = await service.create(alice, request({ name: 'list_a' }));
    const b = await service.create(alice, request({ name: 'list_b', pipelineId: other.id }));
    const page = { limit: 1000 };
    const ids = (rows: { items: TriggerRecord[] }) => rows.items.map((trigger) => trigger.id);
    const filter = { owners: [], pipelineIds: [], names: [] };
    const own = await service.list(alice, filter, page);
    expect(ids(own)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(own.items.every((trigger) => trigger.owner === 'alice')).toBe(true);
    expect(ids(await service.list(alice, { ...filter, pipelineIds: [other.id] }, page))).toEqual([b.id]);
    expect(ids(await service.list(alice, { ...filter, names: ['list_a'] }, page))).toEqual([a.id]);
    expect((await service.list(bobby, filter, page)).items).toEqual([]);
    expect(ids(await service.list(root, { ...filter, owners: ['ALICE'], names: ['list_b'] }, page))).toEqual([
      b.id,
    ]);
    expect((await pfError(service.list(bobby, { ...filter, owners: ['alice'] }, page))).code).toBe(
      'AccessDenied',
    );
  });

  it('refuses a bad name, desc, pattern, parameter or pipeline, naming the problem', async () => {
    const refused = async (fields: Partial<CreateTriggerRequest>, actor = alice) =>
      pfError(service.create(actor, request(fields)));
    expect((await refused({ name: '1abc' })).code).toBe('InvalidNamePattern');
    expect((await refused({ desc: 'é'.repeat(129) })).message).toMatch(/desc too long/);
    const pattern = await refused({ pattern: { source: 'shop' } });
    expect(pattern).toMatchObject({ code: 'InvalidArguments', status: 400 });
    expect(pattern.message).toMatch(/^pattern is invalid: pattern\.source: /);
    expect((await refused({ pattern: undefined })).message).toMatch(/^pattern is invalid: /);
    const long = { source: ['x'.repeat(3000)] };
    expect((await refused({ pattern: long })).message).toMatch(/pattern is too long: \d+ characters/);
    const parameter = await refused({ parameters: { size: '$.detail.size', label: 'detail.label' } });
    expect(parameter).toMatchObject({ code: 'InvalidArguments' });
    expect(parameter.message).toMatch(/^parameter\[label\] is invalid: JSON path "detail\.label"/);
    expect((await refused({ pipelineId: '' })).message).toMatch(/pipelineID is required/);
    expect((await refused({ pipelineId: 'ppl-999999' })).code).toBe('PipelineNotFound');
    expect((await refused({ pipelineVersionId: '9' })).code).toBe('PipelineNotFound');
    // Another user's pipeline is not theirs to run.
    expect((await refused({}, bobby)).code).toBe('AccessDenied');
  });

  it('keeps one trigger of a name per user, and frees the name on delete', async () => {
    const first = await service.create(alice, request({ name: 'unique_name' }));
    const again = await pfError(service.create(alice, request({ name: 'unique_name' })));
    expect(again).toMatchObject({ code: 'DuplicatedName', status: 400 });
    const bobbys = await newPipeline(bobby, 'bobbys');
    await service.create(bobby, request({ name: 'unique_name', pipelineId: bobbys.id }));
    await service.delete(alice, first.id);
    expect(bus.rules.has(first.id)).toBe(false);
    expect((await pfError(service.get(alice, first.id))).code).toBe('TriggerNotFound');
    const reused = await service.create(alice, request({ name: 'unique_name' }));
    expect(reused.id).not.toBe(first.id);
  });

  it('undoes the create when EventBridge refuses the pattern', async () => {
    bus.refuseNextPut = 'Event pattern is not valid. Reason: too complex';
    const error = await pfError(service.create(alice, request({ name: 'refused_rule' })));
    expect(error).toMatchObject({ code: 'InvalidArguments' });
    expect(error.message).toBe('pattern is invalid: Event pattern is not valid. Reason: too complex');
    expect(await triggers.findByName('alice', 'refused_rule')).toBeUndefined();
    await service.create(alice, request({ name: 'refused_rule' }));
  });

  it('gives the local bus every trigger’s rule, across owners and pages', async () => {
    for (let i = 0; i < 101; i++) {
      const { id, seq } = await triggers.allocateId();
      const now = new Date().toISOString();
      await triggers.create({
        id,
        seq,
        name: `bulk_${i}`,
        desc: '',
        owner: i % 2 ? 'alice' : 'carol',
        fsUser: '',
        pipelineId,
        pipelineVersionId: '1',
        pattern: { source: [`bulk-${i}`] },
        parameters: {},
        enabled: i % 3 !== 0,
        message: '',
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
    }
    const rules = await service.rulesForLocalBus();
    const bulk = rules.filter((rule) => String(rule.pattern.source).startsWith('bulk-'));
    expect(bulk).toHaveLength(101);
    expect(bulk[3]).toEqual({
      triggerId: expect.any(String),
      pattern: { source: ['bulk-3'] },
      enabled: false,
    });
    const ids = rules.map((rule) => Number(rule.triggerId.slice('trigger-'.length)));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });
});

describe('fire', () => {
  it('starts one run per event, its parameters read out of the event', async () => {
    const trigger = await service.create(
      alice,
      request({
        name: 'orders',
        desc: 'runs on orders',
        pattern: { source: ['shop'], 'detail-type': ['order placed'], detail: { kind: ['fire-1'] } },
        parameters: {
          size: '$.detail.size',
          label: '$.detail.items',
          flag: '$.detail.gift',
          extra: '$.detail.missing',
        },
      }),
    );
    const eventId = await publish({ kind: 'fire-1', size: 42, items: [{ sku: 'a' }], gift: true });
    const [delivery] = firedBy(eventId);
    expect(delivery).toMatchObject({ triggerID: trigger.id, runId: expect.stringMatching(/^run-\d{6}$/) });
    const run = (await runs.get(delivery!.runId!))!;
    expect(run).toMatchObject({
      owner: 'alice',
      name: 'orders',
      pipelineId,
      pipelineVersionId: '1',
      description: `triggered by event ${eventId} of shop/order placed`,
      // An absent path leaves the parameter to the pipeline's default.
      parameters: { size: 42, label: '[{"sku":"a"}]', flag: 'true' },
    });
    expect(mailbox.posts).toContainEqual({ runId: run.id, event: { type: 'resume' } });

    // EventBridge delivers at least once: the same event again is the same run, woken again.
    const event = bus.events.find((published) => published.id === eventId)!;
    expect(await service.fire({ triggerID: trigger.id, event })).toBe(run.id);
    expect(mailbox.posts.filter((post) => post.runId === run.id)).toHaveLength(2);
    // Deliveries of one event racing each other agree on one run.
    const racing = { ...event, id: `${eventId}-racing` };
    const raced = await Promise.all(
      [1, 2, 3].map(() => service.fire({ triggerID: trigger.id, event: racing })),
    );
    expect(new Set(raced).size).toBe(1);
    expect(await runs.head(raced[0]!)).toMatchObject({ owner: 'alice', name: 'orders' });
    // A new event is a new run.
    const second = await publish({ kind: 'fire-1', size: 7 });
    expect(firedBy(second)[0]!.runId).not.toBe(run.id);
  });

  it('names the run after the pipeline when the trigger name is no run name', async () => {
    await service.create(
      alice,
      request({ name: 'ab', pattern: { source: ['shop'], detail: { kind: ['short'] } } }),
    );
    const eventId = await publish({ kind: 'short' });
    const run = (await runs.get(firedBy(eventId)[0]!.runId!))!;
    expect(run.name).toBe('demo');
  });

  it('ignores a disabled or deleted trigger', async () => {
    const trigger = await service.create(
      alice,
      request({ name: 'toggled', pattern: { source: ['shop'], detail: { kind: ['toggled'] } } }),
    );
    const updated = await service.update(alice, trigger.id, { enabled: false });
    expect(updated).toMatchObject({ enabled: false, version: 2 });
    expect(bus.rules.get(trigger.id)?.enabled).toBe(false);
    const eventId = await publish({ kind: 'toggled' });
    expect(firedBy(eventId)).toEqual([]);
    // Deliveries already under way when the rule changed are ignored too.
    const event = bus.events.find((published) => published.id === eventId)!;
    expect(await service.fire({ triggerID: trigger.id, event })).toBeUndefined();
    await service.delete(alice, trigger.id);
    expect(await service.fire({ triggerID: trigger.id, event })).toBeUndefined();
    expect(await service.fire({ triggerID: 'nonsense', event })).toBeUndefined();
  });

  it('records a refused run on the trigger instead of throwing, and an update clears it', async () => {
    const trigger = await service.create(
      alice,
      request({
        name: 'refused_run',
        pattern: { source: ['shop'], detail: { kind: ['refused'] } },
        parameters: { nosuch: '$.detail.value' },
      }),
    );
    const eventId = await publish({ kind: 'refused', value: 1 });
    expect(firedBy(eventId)).toEqual([{ triggerID: trigger.id, eventId, runId: undefined }]);
    const failed = await service.get(alice, trigger.id);
    expect(failed.message).toMatch(new RegExp(`^event\\[${eventId}\\] started no run: .*nosuch`));
    const cleared = await service.update(alice, trigger.id, { parameters: {} });
    expect(cleared).toMatchObject({ message: '', parameters: {} });
    const next = await publish({ kind: 'refused', value: 2 });
    expect(firedBy(next)[0]!.runId).toMatch(/^run-/);
  });

  it('records a deleted pipeline on the trigger', async () => {
    const doomed = await newPipeline(alice, 'doomed');
    const trigger = await service.create(
      alice,
      request({
        name: 'orphan',
        pipelineId: doomed.id,
        pattern: { source: ['shop'], detail: { kind: ['orphan'] } },
      }),
    );
    await pipelines.delete(alice, doomed.id);
    const eventId = await publish({ kind: 'orphan' });
    expect(firedBy(eventId)[0]!.runId).toBeUndefined();
    expect((await service.get(alice, trigger.id)).message).toMatch(/pipeline\[ppl-\d+\] does not exist/);
  });

  it("acts on Floe's status events of its owner's runs only; root's on anyone's", async () => {
    const pattern = {
      source: [FLOE_SOURCE],
      'detail-type': [DETAIL_TYPES.run],
      detail: { runName: ['upstream'] },
    };
    const own = await service.create(alice, request({ name: 'chained', pattern }));
    const bobbys = await newPipeline(bobby, 'bobby_chain');
    const foreign = await service.create(
      bobby,
      request({ name: 'snooping', pattern, pipelineId: bobbys.id }),
    );
    const rootPipeline = await newPipeline(root, 'root_chain');
    const watcher = await service.create(
      root,
      request({ name: 'watching', pattern, pipelineId: rootPipeline.id }),
    );
    const status = (username: string) => ({
      source: FLOE_SOURCE,
      detailType: DETAIL_TYPES.run,
      detail: { runID: 'run-000001', runName: 'upstream', username, newStatus: 'succeeded' },
    });
    // Floe's own events are published by Floe, never through `POST /event`.
    const [eventId] = await bus.publish([status('alice')]);
    const fired = new Map(firedBy(eventId!).map((delivery) => [delivery.triggerID, delivery.runId]));
    expect(fired.get(own.id)).toMatch(/^run-/);
    expect(fired.get(watcher.id)).toMatch(/^run-/);
    expect(fired.has(foreign.id)).toBe(true);
    expect(fired.get(foreign.id)).toBeUndefined();
  });
});

describe('update and delete', () => {
  it('replaces only the fields given, checks them as create does, and keeps the rule in step', async () => {
    const trigger = await service.create(alice, request({ name: 'updated', desc: 'before' }));
    const pattern = { source: ['shop'], detail: { kind: ['updated'] } };
    const updated = await service.update(alice, trigger.id, { pattern, desc: 'after' });
    expect(updated).toMatchObject({ desc: 'after', pattern, enabled: true, parameters: {}, version: 2 });
    expect(bus.rules.get(trigger.id)).toEqual({ triggerId: trigger.id, pattern, enabled: true });
    expect(await service.get(alice, trigger.id)).toEqual(updated);

    expect((await pfError(service.update(alice, trigger.id, { pattern: [] }))).message).toMatch(
      /^pattern is invalid/,
    );
    expect(
      (await pfError(service.update(alice, trigger.id, { parameters: { size: '$..x' } }))).message,
    ).toMatch(/^parameter\[size\] is invalid/);
    expect((await pfError(service.update(bobby, trigger.id, { desc: 'x' }))).code).toBe('AccessDenied');

    bus.refuseNextPut = 'Event pattern is not valid';
    const refused = await pfError(service.update(alice, trigger.id, { pattern: { source: ['elsewhere'] } }));
    expect(refused.message).toBe('pattern is invalid: Event pattern is not valid');
    // The trigger went back to what its rule still has.
    expect(await service.get(alice, trigger.id)).toMatchObject({ pattern, desc: 'after' });
    expect(bus.rules.get(trigger.id)?.pattern).toEqual(pattern);
  });

  it('applies an update over a delivery failure recorded meanwhile', async () => {
    const trigger = await service.create(alice, request({ name: 'raced' }));
    await triggers.setMessage(trigger, 'a failure recorded after the update read the trigger');
    const updated = await service.update(alice, trigger.id, { desc: 'raced' });
    expect(updated).toMatchObject({ desc: 'raced', message: '', version: 3 });
  });

  it('deletes the delivery claims with the trigger', async () => {
    const trigger = await service.create(
      alice,
      request({ name: 'claims', pattern: { source: ['shop'], detail: { kind: ['claims'] } } }),
    );
    const eventId = await publish({ kind: 'claims' });
    expect(await triggers.getDeliveryClaim(trigger.id, eventId)).toMatchObject({ runId: expect.any(String) });
    expect((await pfError(service.delete(bobby, trigger.id))).code).toBe('AccessDenied');
    await service.delete(root, trigger.id);
    expect(await triggers.getDeliveryClaim(trigger.id, eventId)).toBeUndefined();
    expect((await pfError(service.delete(alice, trigger.id))).code).toBe('TriggerNotFound');
  });
});

describe('publish', () => {
  it('puts a user’s event on the bus and answers its id', async () => {
    const eventId = await service.publish(bobby, {
      Source: 'shop',
      detailType: 'order placed',
      detail: { kind: 'published' },
      resources: ['order/1'],
    });
    expect(bus.events.find((event) => event.id === eventId)).toMatchObject({
      source: 'shop',
      'detail-type': 'order placed',
      detail: { kind: 'published' },
      resources: ['order/1'],
    });
  });

  it('refuses an event without source, detail-type or detail object, a reserved source, or one too big', async () => {
    const refused = async (body: unknown) => (await pfError(service.publish(alice, body))).message;
    const event = { source: 'shop', 'detail-type': 'x', detail: {} };
    expect(await refused({ ...event, source: '' })).toMatch(/^source is required/);
    expect(await refused({ ...event, source: 3 })).toMatch(/^source is required/);
    expect(await refused({ ...event, source: FLOE_SOURCE })).toMatch(/^source\[floe\] is reserved/);
    expect(await refused({ ...event, source: 'aws.s3' })).toMatch(/^source\[aws\.s3\] is reserved/);
    expect(await refused({ source: 'shop', detail: {} })).toMatch(/^detail-type is required/);
    expect(await refused({ ...event, detail: [1] })).toBe('detail is required: a JSON object');
    expect(await refused({ source: 'shop', 'detail-type': 'x' })).toBe('detail is required: a JSON object');
    expect(await refused({ ...event, resources: [1] })).toBe('resources must be an array of strings');
    expect(await refused({ ...event, detail: { blob: 'x'.repeat(256 * 1024) } })).toMatch(
      /^event is \d+ bytes, at most 262144/,
    );
    expect((await pfError(service.publish(alice, [event]))).code).toBe('MalformedJSON');
  });
});
