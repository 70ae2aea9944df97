import {
  DeleteRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgeBus } from '../../shared/runtime/eventbridge-bus.ts';
import {
  EventBridgeTriggerRules,
  InvalidEventPatternError,
} from '../../shared/runtime/eventbridge-trigger-rules.ts';
import { DETAIL_TYPES, type EventEntry, FLOE_SOURCE } from '../../shared/runtime/events.ts';

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

const BUS = 'Floe-events';
const TARGET = 'arn:aws:lambda:eu-west-1:111122223333:function:Floe-TriggerTarget';
const metadata = { $metadata: {} };

const entry = (n: number): EventEntry => ({
  source: FLOE_SOURCE,
  detailType: DETAIL_TYPES.run,
  detail: { runID: `run-${String(n).padStart(6, '0')}`, newStatus: 'running' },
});
const runIdOf = (request: PutEventsRequestEntry) => (JSON.parse(request.Detail!) as { runID: string }).runID;
/** Answers every PutEvents with an id per entry, derived from the entry (`id-run-000001`). */
const acceptAll = () =>
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((request) => ({ EventId: `id-${runIdOf(request)}` })),
  }));
const putEventsCalls = () =>
  eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);

describe('EventBridgeBus', () => {
  it('puts entries on the bus with detail as JSON, resources and time', async () => {
    acceptAll();
    const ids = await new EventBridgeBus(BUS, new EventBridgeClient({})).publish([
      { ...entry(1), resources: ['run-000001'], time: '2026-11-22T10:00:00.000Z' },
      entry(2),
    ]);
    expect(ids).toEqual(['id-run-000001', 'id-run-000002']);
    expect(putEventsCalls()).toEqual([
      [
        {
          EventBusName: BUS,
          Source: 'floe',
          DetailType: 'Floe Run Status Change',
          Detail: JSON.stringify({ runID: 'run-000001', newStatus: 'running' }),
          Resources: ['run-000001'],
          Time: new Date('2026-11-22T10:00:00.000Z'),
        },
        {
          EventBusName: BUS,
          Source: 'floe',
          DetailType: 'Floe Run Status Change',
          Detail: JSON.stringify({ runID: 'run-000002', newStatus: 'running' }),
        },
      ],
    ]);
  });

  it('sends 25 entries in 3 calls of at most 10 and returns the ids in entry order', async () => {
    acceptAll();
    const entries = Array.from({ length: 25 }, (_, i) => entry(i + 1));
    const ids = await new EventBridgeBus(BUS).publish(entries);
    expect(putEventsCalls().map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(putEventsCalls().flat().map(runIdOf)).toEqual(entries.map((e) => e.detail.runID));
    expect(ids).toEqual(entries.map((e) => `id-${e.detail.runID as string}`));
  });

  it('makes no call for no entries', async () => {
    expect(await new EventBridgeBus(BUS).publish([])).toEqual([]);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('retries the failed entries once, alone, and keeps the ids in entry order', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { EventId: 'c' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }, { EventId: 'd' }] });
    const ids = await new EventBridgeBus(BUS).publish([entry(1), entry(2), entry(3), entry(4)]);
    expect(ids).toEqual(['a', 'b', 'c', 'd']);
    expect(putEventsCalls().map((batch) => batch.map(runIdOf))).toEqual([
      ['run-000001', 'run-000002', 'run-000003', 'run-000004'],
      ['run-000002', 'run-000004'],
    ]);
  });

  it('throws naming the error codes when entries fail again', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }, { ErrorCode: 'InternalFailure' }],
      })
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'b' }, { ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' }],
      });
    await expect(new EventBridgeBus(BUS).publish([entry(1), entry(2), entry(3)])).rejects.toThrow(
      /1 of 3 entries.*AccessDeniedException/,
    );
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('stops at the first batch that fails twice', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: input.Entries.length,
      Entries: input.Entries.map(() => ({ ErrorCode: 'InternalFailure' })),
    }));
    await expect(
      new EventBridgeBus(BUS).publish(Array.from({ length: 12 }, (_, i) => entry(i))),
    ).rejects.toThrow(/10 of 10 entries.*InternalFailure/);
    expect(putEventsCalls().map((batch) => batch.length)).toEqual([10, 10]);
  });

  it('lets call errors through', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('socket hang up'));
    await expect(new EventBridgeBus(BUS).publish([entry(1)])).rejects.toThrow('socket hang up');
  });
});

describe('EventBridgeTriggerRules', () => {
  const rules = () => new EventBridgeTriggerRules({ busName: BUS, targetArn: TARGET });
  const pattern = {
    source: ['shop'],
    'detail-type': ['Order Placed'],
    detail: { amount: [{ numeric: ['>', 100] }], note: [{ exists: true }] },
  };

  it('puts the rule named for the trigger on the bus, with the pattern, then its one target', async () => {
    eventBridge.on(PutRuleCommand).resolves({ RuleArn: 'arn' });
    eventBridge.on(PutTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });
    await rules().put({ triggerId: 'trigger-000001', pattern, enabled: true });
    await rules().put({ triggerId: 'trigger-000002', pattern, enabled: false });

    const ruleInputs = eventBridge.commandCalls(PutRuleCommand).map((call) => call.args[0].input);
    expect(ruleInputs).toEqual([
      {
        Name: 'floe-trigger-trigger-000001',
        EventBusName: BUS,
        EventPattern: JSON.stringify(pattern),
        State: 'ENABLED',
        Description: expect.stringContaining('trigger-000001'),
      },
      expect.objectContaining({ Name: 'floe-trigger-trigger-000002', State: 'DISABLED' }),
    ]);
    expect(JSON.parse(ruleInputs[0]!.EventPattern!)).toEqual(pattern);

    const targetInputs = eventBridge.commandCalls(PutTargetsCommand).map((call) => call.args[0].input);
    expect(targetInputs[0]).toEqual({
      Rule: 'floe-trigger-trigger-000001',
      EventBusName: BUS,
      Targets: [
        {
          Id: 'trigger-function',
          Arn: TARGET,
          InputTransformer: {
            InputPathsMap: {},
            InputTemplate: '{"triggerID": "trigger-000001", "event": <aws.events.event.json>}',
          },
        },
      ],
    });
    // The rule exists before its target is put.
    const order = eventBridge.calls().map((call) => call.args[0].constructor.name);
    expect(order).toEqual(['PutRuleCommand', 'PutTargetsCommand', 'PutRuleCommand', 'PutTargetsCommand']);
  });

  it('gives the trigger function JSON: the trigger id and the whole event in place of the variable', async () => {
    eventBridge.on(PutRuleCommand).resolves({ RuleArn: 'arn' });
    eventBridge.on(PutTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });
    await rules().put({ triggerId: 'trigger.0-1_x', pattern, enabled: true });
    const [target] = eventBridge.commandCalls(PutTargetsCommand)[0]!.args[0].input.Targets ?? [];
    const template = target?.InputTransformer?.InputTemplate ?? '';
    const event = {
      version: '0',
      id: 'e1',
      'detail-type': 'Order Placed',
      source: 'shop',
      account: '111122223333',
      time: '2026-11-22T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { amount: 120, note: 'a "quoted" <note>' },
    };
    const input = template.replace('<aws.events.event.json>', JSON.stringify(event));
    expect(JSON.parse(input)).toEqual({ triggerID: 'trigger.0-1_x', event });
  });

  it('refuses a trigger id that cannot name a rule, before any call', async () => {
    for (const triggerId of ['', 'a"b', 'a<b>', 'x/y', 'x'.repeat(52)]) {
      await expect(rules().put({ triggerId, pattern, enabled: true }), triggerId).rejects.toThrow(
        /cannot name/,
      );
      await expect(rules().remove(triggerId), triggerId).rejects.toThrow(/cannot name/);
    }
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it("turns EventBridge's InvalidEventPatternException into InvalidEventPatternError, with AWS's message", async () => {
    const message = 'Event pattern is not valid. Reason: "numeric" must be an array';
    eventBridge.on(PutRuleCommand).rejects(new InvalidEventPatternException({ message, ...metadata }));
    const error = await rules()
      .put({ triggerId: 'trigger-000001', pattern, enabled: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(message);
    expect(eventBridge.commandCalls(PutTargetsCommand)).toHaveLength(0);
  });

  it('lets other PutRule errors through as they are', async () => {
    eventBridge.on(PutRuleCommand).rejects(new Error('LimitExceededException'));
    const error = await rules()
      .put({ triggerId: 'trigger-000001', pattern, enabled: true })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(InvalidEventPatternError);
    expect((error as Error).message).toBe('LimitExceededException');
  });

  it('throws when the target was not put', async () => {
    eventBridge.on(PutRuleCommand).resolves({ RuleArn: 'arn' });
    eventBridge.on(PutTargetsCommand).resolves({
      FailedEntryCount: 1,
      FailedEntries: [{ TargetId: 'trigger-function', ErrorCode: 'ConcurrentModificationException' }],
    });
    await expect(rules().put({ triggerId: 'trigger-000001', pattern, enabled: true })).rejects.toThrow(
      /ConcurrentModificationException/,
    );
  });

  it('removes the target, then the rule', async () => {
    eventBridge.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
    eventBridge.on(DeleteRuleCommand).resolves({});
    await rules().remove('trigger-000001');
    expect(eventBridge.calls().map((call) => call.args[0].input)).toEqual([
      { Rule: 'floe-trigger-trigger-000001', EventBusName: BUS, Ids: ['trigger-function'] },
      { Name: 'floe-trigger-trigger-000001', EventBusName: BUS },
    ]);
  });

  it('treats a rule that does not exist as removed, at either step', async () => {
    const notFound = () => new ResourceNotFoundException({ message: 'Rule does not exist', ...metadata });
    eventBridge.on(RemoveTargetsCommand).rejects(notFound());
    await expect(rules().remove('trigger-000001')).resolves.toBeUndefined();
    expect(eventBridge.commandCalls(DeleteRuleCommand)).toHaveLength(0);

    eventBridge.reset();
    eventBridge.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
    eventBridge.on(DeleteRuleCommand).rejects(notFound());
    await expect(rules().remove('trigger-000001')).resolves.toBeUndefined();
  });

  it('lets other remove errors through, and does not delete a rule whose target stayed', async () => {
    eventBridge.on(RemoveTargetsCommand).resolves({
      FailedEntryCount: 1,
      FailedEntries: [{ TargetId: 'trigger-function', ErrorCode: 'InternalFailure' }],
    });
    await expect(rules().remove('trigger-000001')).rejects.toThrow(/InternalFailure/);
    expect(eventBridge.commandCalls(DeleteRuleCommand)).toHaveLength(0);

    eventBridge.reset();
    eventBridge.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
    eventBridge.on(DeleteRuleCommand).rejects(new Error('ConcurrentModificationException'));
    await expect(rules().remove('trigger-000001')).rejects.toThrow('ConcurrentModificationException');
  });
});
