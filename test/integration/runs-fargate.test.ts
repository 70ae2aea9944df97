/**
 * What Fargate can run is decided at run creation (FLOE_EXECUTOR=fargate): efs:// file systems of the
 * deployment's list, and flavours that fit a Fargate task. Over HTTP against the local runtime started with
 * the Fargate profile; a run it accepts need not execute here (its steps are no local processes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, startWithUsers } from '../support/api.ts';
import { call, type FloeProcess } from '../support/floe-process.ts';
import { base64 } from '../support/pipelines.ts';
import { runClient, stopFloe } from '../support/runs.ts';

const EFS_ALLOWED = 'fs-0123456789abcdef0';
const EFS_ALSO = 'fs-01234567';
const EFS_OTHER = 'fs-fedcba9876543210f';

let floe: FloeProcess;
let alice: string;
beforeAll(async () => {
  ({
    floe,
    tokens: { alice },
  } = await startWithUsers(['alice'], {
    env: {
      FLOE_EXECUTOR: 'fargate',
      FLOE_EFS_FILE_SYSTEMS: `${EFS_ALLOWED},${EFS_ALSO}`,
      FLOE_FLAVOURS: JSON.stringify([
        { name: 'big', cpu: '4', mem: '16Gi' },
        { name: 'huge', cpu: '32', mem: '64Gi' },
      ]),
    },
  }));
  for (const [name, url] of [
    ['efsdata', `efs://${EFS_ALLOWED}/teams/ml/`],
    ['efsother', `efs://${EFS_OTHER}`],
  ]) {
    const reply = await call(floe.api, 'POST', '/fs', { token: alice, body: { name, url } });
    expect(reply.status, reply.text).toBe(201);
  }
  await localFs(alice, 'scratch');
  return () => stopFloe(floe);
});

const { get, localFs, submit, show, waitFor } = runClient(
  () => floe,
  () => alice,
);
const post = (path: string, body: unknown) => call(floe.api, 'POST', path, { token: alice, body });
const runIds = async () =>
  ((await get('/run?maxKeys=100')).json.runList as { runID: string }[]).map((run) => run.runID);

/** Expects POST `path` (a run) refused with InvalidArguments saying `message`, and no run stored. */
async function expectRunRefused(body: unknown, message: string, path = '/run') {
  const before = await runIds();
  expectError(await post(path, body), 400, 'InvalidArguments', message);
  expect(await runIds()).toEqual(before);
}

const yamlOn = (fsName: string, steps: string) =>
  `name: fargate\ndocker_env: python:3.12\nfs_options:\n  main_fs: {name: ${fsName}}\nentry_points:\n${steps}`;
const stepWith = (flavour?: string) =>
  `  train:\n    command: python train.py\n${flavour ? `    env: {PF_JOB_FLAVOUR: ${flavour}}\n` : ''}`;

describe('efs file systems', () => {
  it('are created from efs://<file system id>/<path>, with no properties', async () => {
    const reply = await get('/fs/efsdata');
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toMatchObject({
      name: 'efsdata',
      type: 'efs',
      serverAddress: EFS_ALLOWED,
      subPath: '/teams/ml',
      properties: {},
    });
  });

  it('refuse a malformed URL in PaddleFlow’s wording', async () => {
    expectError(
      await post('/fs', { name: 'bad', url: 'efs://fs-123/x' }),
      400,
      'InvalidFileSystemParamsURL',
      'Field[url] is invalid, efs file system id [fs-123] is wrong; expected fs- and 8 or 17 hex digits',
    );
  });

  it('neither link nor are linked', async () => {
    const s3 = {
      url: 's3://bucket/x',
      properties: { accessKey: 'a', secretKey: 's', endpoint: 'e.example.com' },
    };
    expectError(
      await post('/link', { fsName: 'efsdata', fsPath: '/in', ...s3 }),
      400,
      'InvalidFileSystemFsName',
      'type[efs] can not support link feature',
    );
    expectError(
      await post('/link', { fsName: 'efsdata', fsPath: '/in', url: `efs://${EFS_ALSO}/x` }),
      400,
      'InvalidLinkURL',
      'link can not support [efs] file system',
    );
  });
});

describe('a run on Fargate', () => {
  it('is accepted on a listed efs fs, with flavours that fit a task', async () => {
    const yaml = yamlOn(
      'efsdata',
      `${stepWith('big')}  report:\n    deps: train\n    command: echo done\n    env: {PF_JOB_FLAVOUR: flavour1}\n  plain:\n    command: echo plain\n`,
    );
    const runId = await submit(alice, yaml);
    const reply = await show(alice, runId);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toMatchObject({ runID: runId, fsName: 'efsdata', username: 'alice' });
    expect(reply.json.fsOptions.mainFS).toMatchObject({ name: 'efsdata', id: 'fs-alice-efsdata' });
    // Its steps are no local processes: let it end, whatever the local runtime makes of it.
    await waitFor(alice, runId);
  });

  it('refuses a lambda step without a function of the step prefix, or an http step to a plain http:// url', async () => {
    const refused = [
      ['    lambda: {module: mods/score.mjs}', 'step[call] is a lambda step without [lambda.function]'],
      [
        '    lambda: {function: score}',
        '[lambda.function] of step[call] is [score]; lambda steps here may invoke only functions whose names start with [floe-step-]',
      ],
      [
        '    http: {url: "http://example.com/hook"}',
        '[http.url] of step[call] is [http://example.com/hook]; in AWS http steps call https:// endpoints only',
      ],
    ];
    for (const [step, message] of refused)
      await expectRunRefused({ runYamlRaw: base64(yamlOn('efsdata', `  call:\n${step}\n`)) }, message!);
    const accepted = yamlOn('efsdata', '  call:\n    lambda: {function: floe-step-score}\n');
    await waitFor(alice, await submit(alice, accepted));
  });

  it('refuses a local:// fs, naming it and what Fargate here can mount; stores nothing', async () => {
    await expectRunRefused(
      { runYamlRaw: base64(yamlOn('scratch', stepWith())) },
      `fs[scratch] is a local file system; steps run on Fargate here, and they can only mount efs:// file systems of [${EFS_ALLOWED}, ${EFS_ALSO}]`,
    );
  });

  it('refuses an efs fs not in the deployment’s list', async () => {
    await expectRunRefused(
      { fsName: 'efsother', runYamlRaw: base64(yamlOn('efsother', stepWith())) },
      `fs[efsother] is an efs file system of ${EFS_OTHER}, which steps on Fargate here cannot mount`,
    );
  });

  it.each([
    ['flavour2', 'flavour[flavour2] of step[train] cannot run on Fargate: it asks for [nvidia.com/gpu: 1]'],
    [
      'huge',
      'flavour[huge] of step[train] cannot run on Fargate: it asks for cpu [32] and mem [64Gi], more than the largest Fargate task (16 vCPU, 120 GB)',
    ],
    ['nope', 'flavour[nope] of step[train] does not exist'],
  ])('refuses flavour %s, naming it, the step and why; stores nothing', async (flavour, message) => {
    await expectRunRefused({ runYamlRaw: base64(yamlOn('efsdata', stepWith(flavour))) }, message);
  });

  it('refuses /runjson’s run-level GPU flavour for the steps that name none', async () => {
    const body = {
      name: 'fargate',
      docker_env: 'python:3.12',
      flavour: 'flavour3',
      fsOptions: { mainFS: { name: 'efsdata' } },
      entry_points: { train: { command: 'python train.py' } },
    };
    await expectRunRefused(body, 'flavour[flavour3] of step[train] cannot run on Fargate', '/runjson');
  });

  it('refuses a schedule whose runs could not run (the same check as a run’s)', async () => {
    const created = await post('/pipeline', { yamlRaw: base64(yamlOn('efsdata', stepWith('flavour2'))) });
    expect(created.status, created.text).toBe(201);
    expectError(
      await post('/schedule', {
        name: 'nightly',
        pipelineID: created.json.pipelineID,
        pipelineVersionID: '1',
        crontab: '0 3 * * *',
      }),
      400,
      'InvalidArguments',
      'flavour[flavour2] of step[train] cannot run on Fargate',
    );
  });
});

describe('the local executor', () => {
  let local: FloeProcess;
  let bobby: string;
  beforeAll(async () => {
    ({
      floe: local,
      tokens: { bobby },
    } = await startWithUsers(['bobby'], { env: { FLOE_EXECUTOR: '' } }));
  });
  afterAll(() => stopFloe(local));

  it('refuses an efs fs: steps here mount local:// file systems only', async () => {
    const fs = await call(local.api, 'POST', '/fs', {
      token: bobby,
      body: { name: 'efsdata', url: `efs://${EFS_ALLOWED}` },
    });
    expect(fs.status, fs.text).toBe(201);
    expectError(
      await call(local.api, 'POST', '/run', {
        token: bobby,
        body: { runYamlRaw: base64(yamlOn('efsdata', stepWith('flavour2'))) },
      }),
      400,
      'InvalidArguments',
      'fs[efsdata] is a efs file system; steps here can only mount local:// file systems',
    );
    const runs = await call(local.api, 'GET', '/run', { token: bobby });
    expect(runs.json.runList).toEqual([]);
  });
});
