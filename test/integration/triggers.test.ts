/**
 * Event triggers over HTTP on the local runtime (Floe's extension): the `/trigger` API's rules, `POST /event`
 * starting exactly the runs whose triggers' patterns match, parameters read out of the event, pipelines chained
 * on Floe's own status events, and triggers surviving a restart (the local bus reloads their rules).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { expectError, PASSWORD } from '../support/api.ts';
import { call, type FloeProcess, login, type Reply, startFloe } from '../support/floe-process.ts';
import { base64, pipelineClient, TIME } from '../support/pipelines.ts';
import { jobsOf, runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

let floe: FloeProcess;
let root: string;
let alice: string;
let bobby: string;
let aliceDir: string;
beforeAll(async () => {
  ({
    floe,
    root,
    dir: aliceDir,
    tokens: { alice, bobby },
  } = await startWithWorkFs(['alice', 'bobby']));
  return () => stopFloe(floe);
});

const pipelines = pipelineClient(() => floe);
const { waitFor } = runClient(() => floe);
const get = (token: string, path: string) => call(floe.api, 'GET', path, { token });
const postTrigger = (token: string, body: unknown) => call(floe.api, 'POST', '/trigger', { token, body });
const putTrigger = (token: string, id: string, body: unknown) =>
  call(floe.api, 'PUT', `/trigger/${id}`, { token, body });
const deleteTrigger = (token: string, id: string) => call(floe.api, 'DELETE', `/trigger/${id}`, { token });
const postEvent = (token: string, body: unknown) => call(floe.api, 'POST', '/event', { token, body });
const read = (path: string) => readFileSync(join(aliceDir, path), 'utf8');

/** A pipeline whose one step `main` runs `command`, on fs `fs` if given, with `step` YAML under it; its id. */
async function pipeline(
  token: string,
  name: string,
  command: string,
  options: { fs?: string; step?: string } = {},
): Promise<string> {
  const fs = options.fs ? `fs_options:\n  main_fs: {name: ${options.fs}}\n` : '';
  const yaml = `name: ${name}\ndocker_env: img\n${fs}entry_points:\n  main:\n${options.step ?? ''}    command: ${command}\n`;
  const reply = await pipelines.post(token, { yamlRaw: base64(yaml) });
  expect(reply.status, reply.text).toBe(201);
  return reply.json.pipelineID as string;
}

async function createTrigger(token: string, body: Record<string, unknown>): Promise<string> {
  const reply = await postTrigger(token, body);
  expect(reply.status, reply.text).toBe(201);
  expect(reply.json).toEqual({ triggerID: expect.stringMatching(/^trigger-\d{6}$/) });
  return reply.json.triggerID as string;
}

/** POSTs a user's event; it answers once every matching trigger has created its run. Returns the event id. */
async function publish(token: string, event: Record<string, unknown>): Promise<string> {
  const reply = await postEvent(token, event);
  expect(reply.status, reply.text).toBe(201);
  expect(reply.json).toEqual({ eventID: expect.any(String) });
  return reply.json.eventID as string;
}

/** The runs (briefs) named `name` that the token's user sees. */
async function runsNamed(token: string, name: string): Promise<Reply['json'][]> {
  const reply = await get(token, `/run?nameFilter=${name}&maxKeys=100`);
  expect(reply.status, reply.text).toBe(200);
  expect(reply.json.isTruncated).toBe(false);
  return reply.json.runList;
}

/** How a trigger describes the run an event started (shared/services/triggers.ts). */
const triggeredBy = (eventId: string, source: string, detailType: string) =>
  `triggered by event ${eventId} of ${source}/${detailType}`;

describe('the /trigger API', () => {
  let pipelineID: string;
  beforeAll(async () => {
    pipelineID = await pipeline(alice, 'api_target', 'echo hi');
  });

  it('creates, shows, lists, updates (PUT) and deletes a trigger; only its owner and root reach it', async () => {
    const pattern = { source: ['shop'], detail: { kind: ['api'] } };
    const id = await createTrigger(alice, {
      name: 'on_orders',
      desc: 'orders',
      pipelineID,
      pipelineVersionID: '1',
      pattern,
      parameters: { n: '$.detail.n' },
    });
    const view = {
      triggerID: id,
      name: 'on_orders',
      desc: 'orders',
      pipelineID,
      pipelineVersionID: '1',
      username: 'alice',
      fsConfig: { username: '' },
      pattern,
      parameters: { n: '$.detail.n' },
      enabled: true,
      triggerMsg: '',
      createTime: expect.stringMatching(TIME),
      updateTime: expect.stringMatching(TIME),
    };
    const shown = await get(alice, `/trigger/${id}`);
    expect(shown.status, shown.text).toBe(200);
    expect(shown.json).toEqual(view);
    expect((await get(root, `/trigger/${id}`)).json).toEqual(view);

    const listed = await get(alice, `/trigger?pplFilter=${pipelineID}`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.json).toEqual({ maxKeys: 50, isTruncated: false, triggerList: [view] });
    expect((await get(alice, '/trigger?nameFilter=on_orders')).json.triggerList).toEqual([view]);
    expect((await get(alice, '/trigger?nameFilter=other_name')).json.triggerList).toEqual([]);
    expect((await get(bobby, '/trigger')).json.triggerList).toEqual([]);
    expectError(await get(bobby, '/trigger?userFilter=alice'), 403, 'AccessDenied', 'only root');
    const rootsView = await get(root, '/trigger?userFilter=alice');
    expect(rootsView.json.triggerList.map((t: Reply['json']) => t.triggerID)).toContain(id);

    // Another user's trigger: 403 for each verb, and it is left as it was.
    const denied = `user[bobby] has no access to resource[trigger] with ID[${id}]`;
    expectError(await get(bobby, `/trigger/${id}`), 403, 'AccessDenied', denied);
    expectError(await putTrigger(bobby, id, { enabled: false }), 403, 'AccessDenied', denied);
    expectError(await deleteTrigger(bobby, id), 403, 'AccessDenied', denied);
    expect((await get(alice, `/trigger/${id}`)).json).toEqual(view);

    // PUT replaces the fields given and keeps the others.
    const newPattern = { source: ['shop'], 'detail-type': [{ prefix: 'order' }] };
    const updated = await putTrigger(alice, id, {
      desc: 'paused orders',
      pattern: newPattern,
      parameters: { n: '$.detail.count' },
      enabled: false,
    });
    expect(updated.status, updated.text).toBe(200);
    const updatedView = {
      ...view,
      desc: 'paused orders',
      pattern: newPattern,
      parameters: { n: '$.detail.count' },
      enabled: false,
    };
    expect(updated.json).toEqual(updatedView);
    expect((await get(alice, `/trigger/${id}`)).json).toEqual(updatedView);
    const onlyEnabled = await putTrigger(alice, id, { enabled: true });
    expect(onlyEnabled.json).toEqual({ ...updatedView, enabled: true });

    // A bad PUT changes nothing.
    expectError(
      await putTrigger(alice, id, { pattern: { source: 'shop' }, desc: 'not applied' }),
      400,
      'InvalidArguments',
      'pattern is invalid: pattern.source',
    );
    expect((await get(alice, `/trigger/${id}`)).json).toEqual({ ...updatedView, enabled: true });

    const deleted = await deleteTrigger(alice, id);
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.text).toBe('');
    expectError(await get(alice, `/trigger/${id}`), 404, 'TriggerNotFound', `trigger[${id}] not found`);
    expectError(await putTrigger(alice, id, { enabled: true }), 404, 'TriggerNotFound');
    expectError(await deleteTrigger(alice, id), 404, 'TriggerNotFound');
    expectError(await get(alice, '/trigger/trigger-999999'), 404, 'TriggerNotFound', 'trigger-999999');
    expectError(await get(alice, '/trigger/nonsense'), 404, 'TriggerNotFound', 'nonsense');
    expect((await get(alice, `/trigger?pplFilter=${pipelineID}`)).json.triggerList).toEqual([]);
    // Deleted, its name is free again.
    await deleteTrigger(alice, await createTrigger(alice, { name: 'on_orders', pipelineID, pattern }));
  });

  it('refuses a bad name, pattern, parameter or pipeline, naming the problem, and creates nothing', async () => {
    const valid = () => ({ name: 'refused', pipelineID, pattern: { source: ['shop'] } });
    const cases: [Record<string, unknown>, number, string, string[]][] = [
      [{ name: '1bad' }, 400, 'InvalidNamePattern', ['name[1bad] of trigger is invalid']],
      [{ name: 'has-dash' }, 400, 'InvalidNamePattern', ['name[has-dash] of trigger is invalid']],
      [{ name: 'x' }, 400, 'InvalidNamePattern', ['name[x]']],
      [{ name: undefined }, 400, 'InvalidNamePattern', ['name[]']],
      [{ desc: 'x'.repeat(257) }, 400, 'InvalidArguments', ['desc too long']],
      // Patterns EventBridge refuses, each named by its path.
      [
        { pattern: { source: 'shop' } },
        400,
        'InvalidArguments',
        ['pattern is invalid: pattern.source: must be an array'],
      ],
      [
        { pattern: { source: ['shop'], detail: { n: 5 } } },
        400,
        'InvalidArguments',
        ['pattern is invalid: pattern.detail.n: must be an array'],
      ],
      [
        { pattern: { source: ['shop', { foo: 1 }] } },
        400,
        'InvalidArguments',
        ['pattern is invalid: pattern.source[1]: unknown filter "foo"'],
      ],
      [
        { pattern: { detail: { n: [{ numeric: ['>', 'five'] }] } } },
        400,
        'InvalidArguments',
        ['pattern is invalid: pattern.detail.n: numeric: > needs a number, got "five"'],
      ],
      [
        { pattern: { detail: { n: [{ numeric: ['<', 5, '>', 0] }] } } },
        400,
        'InvalidArguments',
        ['pattern.detail.n: numeric: a range is a lower bound'],
      ],
      [
        { pattern: { detail: { n: [{ numeric: ['>'] }] } } },
        400,
        'InvalidArguments',
        ['pattern.detail.n: numeric takes one comparison or a range of two'],
      ],
      [
        { pattern: { detail: { n: [] } } },
        400,
        'InvalidArguments',
        ['pattern.detail.n: must list at least one value'],
      ],
      [
        { pattern: { detail: { n: [{ exists: 'yes' }] } } },
        400,
        'InvalidArguments',
        ['pattern.detail.n: exists needs true or false'],
      ],
      [
        { pattern: { source: [{ prefix: 'a', suffix: 'b' }] } },
        400,
        'InvalidArguments',
        ['pattern.source: a filter object takes exactly one filter'],
      ],
      [{ pattern: {} }, 400, 'InvalidArguments', ['pattern: must not be an empty object']],
      [
        { pattern: { source: ['x'.repeat(2100)] } },
        400,
        'InvalidArguments',
        ['pattern is too long', 'at most 2048'],
      ],
      [{ pattern: ['shop'] }, 400, 'InvalidArguments', ['pattern: must be a JSON object']],
      [{ pattern: undefined }, 400, 'InvalidArguments', ['pattern: must be a JSON object']],
      // JSON paths of parameters.
      [
        { parameters: { n: 'detail.n' } },
        400,
        'InvalidArguments',
        ['parameter[n] is invalid', 'JSON path "detail.n": must start with $'],
      ],
      [
        { parameters: { n: '$.detail.*' } },
        400,
        'InvalidArguments',
        ['parameter[n] is invalid', 'wildcards'],
      ],
      [
        { parameters: { n: '$..n' } },
        400,
        'InvalidArguments',
        ['parameter[n] is invalid', 'recursive descent'],
      ],
      [{ parameters: { n: 3 } }, 400, 'MalformedJSON', ['field [parameters.n] must be a string, got number']],
      // The pipeline.
      [{ pipelineID: undefined }, 400, 'InvalidArguments', ['pipelineID is required']],
      [{ pipelineID: 'ppl-999999' }, 404, 'PipelineNotFound', ['ppl-999999']],
      [{ pipelineVersionID: '7' }, 404, 'PipelineNotFound', ['version[7]']],
    ];
    for (const [change, status, code, texts] of cases) {
      expectError(await postTrigger(alice, { ...valid(), ...change }), status, code, ...texts);
    }
    expect((await get(alice, '/trigger')).json.triggerList).toEqual([]);

    // Someone else's pipeline, or acting for its owner; a name already taken (names are per user).
    expectError(await postTrigger(bobby, valid()), 403, 'AccessDenied');
    expectError(
      await postTrigger(bobby, { ...valid(), username: 'alice' }),
      400,
      'AuthIllegalUser',
      'user[bobby] cannot act for user[alice]',
    );
    const first = await createTrigger(alice, { ...valid(), name: 'taken' });
    expectError(
      await postTrigger(alice, { ...valid(), name: 'taken' }),
      400,
      'DuplicatedName',
      'already has trigger with name[taken]',
    );
    await deleteTrigger(alice, first);
  });
});

describe('POST /event', () => {
  it('refuses reserved sources and incomplete events with 400 naming the field', async () => {
    const valid = { source: 'shop', 'detail-type': 'order placed', detail: { n: 1 } };
    const cases: [Record<string, unknown>, string][] = [
      [{ source: 'floe' }, 'source[floe] is reserved'],
      [{ source: 'aws.s3' }, 'source[aws.s3] is reserved'],
      [{ source: 'aws.anything' }, 'source[aws.anything] is reserved'],
      [{ source: '' }, 'source is required'],
      [{ source: undefined }, 'source is required'],
      [{ 'detail-type': undefined }, 'detail-type is required'],
      [{ 'detail-type': '' }, 'detail-type is required'],
      [{ detail: undefined }, 'detail is required'],
      [{ detail: 'text' }, 'detail is required'],
      [{ resources: 'arn' }, 'resources must be an array of strings'],
    ];
    for (const [change, text] of cases) {
      expectError(await postEvent(alice, { ...valid, ...change }), 400, 'InvalidArguments', text);
    }
    expectError(await postEvent(alice, ['x']), 400, 'MalformedJSON');
    // PutEvents' spelling, detailType, is accepted too.
    await publish(alice, { source: 'shop', detailType: 'order placed', detail: {} });
  });

  it('starts runs of exactly the triggers whose patterns match, and none of a disabled or deleted one', async () => {
    const pipelineID = await pipeline(alice, 'matched', 'echo matched');
    const patterns = {
      m_exact: { source: ['shop'] },
      m_prefix: { 'detail-type': [{ prefix: 'order ' }] },
      m_numeric: { detail: { amount: [{ numeric: ['>', 100, '<=', 1000] }] } },
      m_anything_but: {
        source: ['shop', 'warehouse'],
        detail: { region: [{ 'anything-but': ['eu', 'us'] }] },
      },
      m_exists: { detail: { coupon: [{ exists: true }] } },
    };
    type Name = keyof typeof patterns;
    const names = Object.keys(patterns) as Name[];
    const ids = {} as Record<Name, string>;
    for (const name of names) {
      ids[name] = await createTrigger(alice, {
        name,
        pipelineID,
        pipelineVersionID: '1',
        pattern: patterns[name],
      });
    }

    /** Posts the event; then exactly the `expected` triggers have a run for it, one each, described after it. */
    async function expectStarts(
      event: { source: string; 'detail-type': string; detail: object },
      expected: Name[],
    ): Promise<string> {
      const eventId = await publish(alice, event);
      const description = triggeredBy(eventId, event.source, event['detail-type']);
      const started: Name[] = [];
      for (const name of names) {
        const runs = (await runsNamed(alice, name)).filter((run) => run.description.includes(eventId));
        if (runs.length === 0) continue;
        started.push(name);
        expect(runs, name).toHaveLength(1);
        expect(runs[0]).toMatchObject({ description, username: 'alice', name });
      }
      expect(started, JSON.stringify(event)).toEqual(expected);
      return eventId;
    }

    await expectStarts(
      { source: 'shop', 'detail-type': 'order placed', detail: { amount: 50, region: 'eu' } },
      ['m_exact', 'm_prefix'],
    );
    await expectStarts(
      { source: 'warehouse', 'detail-type': 'stock low', detail: { amount: 500, region: 'ap' } },
      ['m_numeric', 'm_anything_but'],
    );
    await expectStarts(
      { source: 'shopping', 'detail-type': 'order cancelled', detail: { amount: 1000, coupon: 'SAVE' } },
      ['m_prefix', 'm_numeric', 'm_exists'],
    );
    // A number in a string is no number; a missing region is not "anything but"; "order" has no space after.
    await expectStarts({ source: 'warehouse', 'detail-type': 'order', detail: { amount: '500' } }, []);
    await expectStarts({ source: 'other', 'detail-type': 'ping', detail: { amount: 100, coupon: 0 } }, [
      'm_exists',
    ]);
    await expectStarts({ source: 'shop', 'detail-type': 'x', detail: { amount: 1000.5, region: 'US' } }, [
      'm_exact',
      'm_anything_but',
    ]);

    // Disabled: it starts nothing, while a trigger matching the same event does.
    const disabled = await putTrigger(alice, ids.m_exact, { enabled: false });
    expect(disabled.status, disabled.text).toBe(200);
    await expectStarts({ source: 'shop', 'detail-type': 'order placed', detail: {} }, ['m_prefix']);
    // Enabled again, it starts runs again.
    expect((await putTrigger(alice, ids.m_exact, { enabled: true })).status).toBe(200);
    await expectStarts({ source: 'shop', 'detail-type': 'order placed', detail: {} }, [
      'm_exact',
      'm_prefix',
    ]);
    // A pattern changed by PUT matches by the new pattern only.
    expect((await putTrigger(alice, ids.m_exact, { pattern: { source: ['market'] } })).status).toBe(200);
    await expectStarts({ source: 'shop', 'detail-type': 'order placed', detail: {} }, ['m_prefix']);
    await expectStarts({ source: 'market', 'detail-type': 'opened', detail: {} }, ['m_exact']);

    // Deleted: it starts nothing.
    expect((await deleteTrigger(alice, ids.m_prefix)).status).toBe(200);
    const before = (await runsNamed(alice, 'm_prefix')).length;
    await expectStarts(
      { source: 'shop', 'detail-type': 'order placed', detail: { amount: 200, region: 'ap' } },
      ['m_numeric', 'm_anything_but'],
    );
    expect(await runsNamed(alice, 'm_prefix')).toHaveLength(before);

    // Another user's event starts alice's triggers too (users' events are public); the run is alice's.
    const fromBobby = await publish(bobby, { source: 'market', 'detail-type': 'x', detail: {} });
    const byBobby = (await runsNamed(alice, 'm_exact')).filter((run) => run.description.includes(fromBobby));
    expect(byBobby).toMatchObject([{ username: 'alice' }]);

    // The triggered runs run: each ends succeeded.
    for (const name of names) {
      for (const run of await runsNamed(alice, name)) {
        expect((await waitFor(alice, run.runID)).status).toBe('succeeded');
      }
    }
    for (const name of names) if (name !== 'm_prefix') await deleteTrigger(alice, ids[name]);
  }, 40_000);

  it('gives the run parameters read out of the event by JSON path, the defaults for paths it lacks', async () => {
    const pipelineID = await pipeline(alice, 'with_params', 'echo {{size}} {{label}} > {{label}}.txt', {
      fs: 'work',
      step: '    parameters:\n      size: {type: int, default: 1}\n      label: none\n',
    });
    const id = await createTrigger(alice, {
      name: 'p_sized',
      pipelineID,
      pattern: { source: ['uploads'] },
      parameters: { size: '$.detail.size', label: "$.detail.meta['the label']" },
    });

    const first = await publish(alice, {
      source: 'uploads',
      'detail-type': 'object created',
      detail: { size: 42, meta: { 'the label': 'photo' } },
    });
    const [brief] = await runsNamed(alice, 'p_sized');
    expect(brief.description).toBe(triggeredBy(first, 'uploads', 'object created'));
    const run = await waitFor(alice, brief.runID);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.parameters).toEqual({ size: 42, label: 'photo' });
    const [job] = jobsOf(run).main!;
    expect(job.parameters).toEqual({ size: '42', label: 'photo' });
    expect(job.command).toBe('echo 42 photo > photo.txt');
    expect(read('photo.txt')).toBe('42 photo\n');

    // A path the event lacks leaves the YAML's default.
    const second = await publish(alice, {
      source: 'uploads',
      'detail-type': 'object created',
      detail: { size: 7 },
    });
    const [other] = (await runsNamed(alice, 'p_sized')).filter((r) => r.description.includes(second));
    const done = await waitFor(alice, other.runID);
    expect(done.status).toBe('succeeded');
    expect(done.parameters).toEqual({ size: 7 });
    expect(read('none.txt')).toBe('7 none\n');

    // A value the YAML refuses starts no run, and the trigger says why; a PUT clears the message.
    const count = (await runsNamed(alice, 'p_sized')).length;
    const third = await publish(alice, {
      source: 'uploads',
      'detail-type': 'object created',
      detail: { size: 'big' },
    });
    expect(await runsNamed(alice, 'p_sized')).toHaveLength(count);
    const refused = (await get(alice, `/trigger/${id}`)).json;
    expect(refused.triggerMsg).toContain(`event[${third}] started no run`);
    expect(refused.triggerMsg).toContain('size');
    expect((await putTrigger(alice, id, { desc: 'seen' })).json.triggerMsg).toBe('');
    await deleteTrigger(alice, id);
  });
  it("runs the pipeline's latest version when the event comes, unless the trigger names one", async () => {
    const yaml = (word: string) =>
      `name: versioned\ndocker_env: img\nfs_options:\n  main_fs: {name: work}\nentry_points:\n  main:\n    command: echo ${word}\n`;
    const created = await pipelines.post(alice, { yamlRaw: base64(yaml('one')) });
    expect(created.status, created.text).toBe(201);
    const pipelineID = created.json.pipelineID as string;
    const pattern = { source: ['versions'] };
    const latest = await createTrigger(alice, { name: 'v_latest', pipelineID, pattern });
    const pinned = await createTrigger(alice, {
      name: 'v_pinned',
      pipelineID,
      pipelineVersionID: '1',
      pattern,
    });
    expect((await get(alice, `/trigger/${latest}`)).json.pipelineVersionID).toBe('');
    const second = await pipelines.post(alice, { yamlRaw: base64(yaml('two')) }, `/pipeline/${pipelineID}`);
    expect(second.status, second.text).toBe(201);
    expect(second.json.pipelineVersionID).toBe('2');

    await publish(alice, { source: 'versions', 'detail-type': 'x', detail: {} });
    const commandOf = async (name: string) => {
      const [brief] = await runsNamed(alice, name);
      const run = await waitFor(alice, brief.runID);
      expect(run.status).toBe('succeeded');
      return jobsOf(run).main![0].command;
    };
    expect(await commandOf('v_latest')).toBe('echo two');
    expect(await commandOf('v_pinned')).toBe('echo one');
    await deleteTrigger(alice, latest);
    await deleteTrigger(alice, pinned);
  });
});

describe('chaining on status events', () => {
  it("starts a run when another pipeline's run succeeds, for its owner's runs only (root's: anyone's)", async () => {
    const upstream = await pipeline(alice, 'upstream', 'echo up');
    const downstream = await pipeline(alice, 'downstream', 'echo {{up}} {{upstream}} > chained.txt', {
      fs: 'work',
      step: '    parameters:\n      up: none\n      upstream: none\n',
    });
    const pattern = {
      source: ['floe'],
      'detail-type': ['Floe Run Status Change'],
      detail: { newStatus: ['succeeded'], pipelineID: [upstream] },
    };
    await createTrigger(alice, {
      name: 'chained',
      pipelineID: downstream,
      pattern,
      parameters: { up: '$.detail.runID', upstream: '$.detail.pipelineID' },
    });
    // Bobby's trigger names alice's pipeline in its pattern, but alice's status events are not his.
    const bobbysPipeline = await pipeline(bobby, 'bobs', 'echo bob');
    await createTrigger(bobby, { name: 'snooping', pipelineID: bobbysPipeline, pattern });
    const rootsPipeline = await pipeline(root, 'roots', 'echo root');
    await createTrigger(root, { name: 'watching', pipelineID: rootsPipeline, pattern });

    const reply = await call(floe.api, 'POST', '/run', {
      token: alice,
      body: { pipelineID: upstream, pipelineVersionID: '1' },
    });
    expect(reply.status, reply.text).toBe(201);
    const upstreamRun = reply.json.runID as string;
    expect((await waitFor(alice, upstreamRun)).status).toBe('succeeded');

    const chained = await vi.waitFor(
      async () => {
        const runs = await runsNamed(alice, 'chained');
        expect(runs).toHaveLength(1);
        return runs[0];
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(chained.description).toMatch(/^triggered by event \S+ of floe\/Floe Run Status Change$/);
    const run = await waitFor(alice, chained.runID);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.parameters).toEqual({ up: upstreamRun, upstream });
    expect(read('chained.txt')).toBe(`${upstreamRun} ${upstream}\n`);

    // Root's trigger acts on anyone's status events…
    const watched = await vi.waitFor(
      async () => {
        const runs = await runsNamed(root, 'watching');
        expect(runs).toHaveLength(1);
        return runs[0];
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(watched.username).toBe('root');
    expect((await waitFor(root, watched.runID)).status).toBe('succeeded');
    // …bobby's on none of alice's; and the chained run's own success starts nothing more (it is no upstream).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await runsNamed(bobby, 'snooping')).toEqual([]);
    expect(await runsNamed(alice, 'chained')).toHaveLength(1);
    expect(await runsNamed(root, 'watching')).toHaveLength(1);
  }, 40_000);
});

describe('a restart', () => {
  it('keeps triggers working: the local bus reloads their rules, a disabled one stays disabled', async () => {
    const pipelineID = await pipeline(alice, 'durable', 'echo durable');
    const pattern = { source: ['restart'] };
    const kept = await createTrigger(alice, { name: 'kept', pipelineID, pattern });
    const paused = await createTrigger(alice, { name: 'paused', pipelineID, pattern });
    expect((await putTrigger(alice, paused, { enabled: false })).status).toBe(200);
    const removed = await createTrigger(alice, { name: 'removed', pipelineID, pattern });
    expect((await deleteTrigger(alice, removed)).status).toBe(200);
    // Before the restart, only `kept` starts.
    const before = await publish(alice, { source: 'restart', 'detail-type': 'before', detail: {} });
    const beforeRuns = await runsNamed(alice, 'kept');
    expect(beforeRuns.map((run) => run.description)).toEqual([triggeredBy(before, 'restart', 'before')]);
    await waitFor(alice, beforeRuns[0].runID);

    expect(await floe.stop()).toBe(0);
    floe = await startFloe({ dataDir: floe.dataDir });
    alice = await login(floe.api, 'alice', PASSWORD);

    expect((await get(alice, `/trigger/${kept}`)).json).toMatchObject({ name: 'kept', enabled: true });
    const after = await publish(alice, { source: 'restart', 'detail-type': 'after', detail: {} });
    const runs = await runsNamed(alice, 'kept');
    expect(runs.map((run) => run.description).sort()).toEqual(
      [triggeredBy(before, 'restart', 'before'), triggeredBy(after, 'restart', 'after')].sort(),
    );
    expect(await runsNamed(alice, 'paused')).toEqual([]);
    expect(await runsNamed(alice, 'removed')).toEqual([]);
    for (const run of runs) expect((await waitFor(alice, run.runID)).status).toBe('succeeded');

    // Enabled after the restart, the paused one starts runs too.
    expect((await putTrigger(alice, paused, { enabled: true })).status).toBe(200);
    const again = await publish(alice, { source: 'restart', 'detail-type': 'again', detail: {} });
    expect((await runsNamed(alice, 'paused')).map((run) => run.description)).toEqual([
      triggeredBy(again, 'restart', 'again'),
    ]);
  }, 40_000);
});
