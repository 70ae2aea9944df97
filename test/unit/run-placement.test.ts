/**
 * What run creation decides for the executor: the profile `FLOE_EXECUTOR` chooses, which file systems a run's
 * container steps may mount, and on Fargate the sizes of their flavours (run-placement.ts, flavours.ts).
 */

import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type PipelineSpec, parsePipelineYaml, parseRunJson } from '../../shared/engine/spec/index.ts';
import { executorProfile } from '../../shared/runtime/executor-profile.ts';
import { type Flavour, flavoursFromEnv } from '../../shared/services/flavours.ts';
import { containerSteps, placeRun } from '../../shared/services/run-placement.ts';
import type { FileSystemRecord } from '../../shared/store/filesystems.ts';
import { pfError } from '../support/pf-error.ts';

const EFS_A = 'fs-0123456789abcdef0';
const EFS_B = 'fs-89abcdef';
const fargate = executorProfile({ FLOE_EXECUTOR: 'fargate', FLOE_EFS_FILE_SYSTEMS: ` ${EFS_A}, ,${EFS_B} ` });
const local = executorProfile({});

const fsRecord = (name: string, type: string, serverAddress = '', subPath = '/'): FileSystemRecord => ({
  id: `fs-alice-${name}`,
  name,
  username: 'alice',
  type,
  serverAddress,
  subPath,
  properties: {},
  independentMountProcess: false,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  incarnation: 'i',
  version: 1,
});
const EFS_FS = {
  work: fsRecord('work', 'efs', EFS_A, '/teams/ml'),
  models: fsRecord('models', 'efs', EFS_B, '/'),
  elsewhere: fsRecord('elsewhere', 'efs', 'fs-fedcba9876543210f', '/'),
  scratch: fsRecord('scratch', 'local', '', '/tmp/scratch'),
  bucket: fsRecord('bucket', 's3', 's3.example.com', '/x'),
};
const fileSystems = (...names: (keyof typeof EFS_FS)[]) => new Map(names.map((name) => [name, EFS_FS[name]]));

const yamlSpec = (entryPoints: Record<string, unknown>, extra: Record<string, unknown> = {}): PipelineSpec =>
  parsePipelineYaml(
    stringify({
      name: 'ppl',
      docker_env: 'img',
      entry_points: entryPoints,
      fs_options: { main_fs: { name: 'work' } },
      ...extra,
    }),
  );

/** A catalogue of the seed flavours plus these. */
const catalogue = (...flavours: Flavour[]) => flavoursFromEnv({ FLOE_FLAVOURS: JSON.stringify(flavours) });

describe('the executor profile', () => {
  it('is local unless FLOE_EXECUTOR says fargate', () => {
    expect(executorProfile({}).kind).toBe('local');
    expect(executorProfile({ FLOE_EXECUTOR: 'ecs' }).kind).toBe('local');
    expect(executorProfile({ FLOE_EXECUTOR: 'fargate' }).kind).toBe('fargate');
    expect(local.sizeOf).toBeUndefined();
  });

  it('locally mounts local:// only, with today’s message', () => {
    expect(local.mountRefusal(EFS_FS.scratch)).toBeUndefined();
    expect(local.mountRefusal(EFS_FS.work)).toBe(
      'fs[work] is a efs file system; steps here can only mount local:// file systems',
    );
  });

  it('on Fargate mounts the listed efs file systems only', () => {
    expect(fargate.mountRefusal(EFS_FS.work)).toBeUndefined();
    expect(fargate.mountRefusal(EFS_FS.models)).toBeUndefined();
    expect(fargate.mountRefusal(EFS_FS.scratch)).toBe(
      `fs[scratch] is a local file system; steps run on Fargate here, and they can only mount efs:// file systems of [${EFS_A}, ${EFS_B}]`,
    );
    expect(fargate.mountRefusal(EFS_FS.elsewhere)).toBe(
      `fs[elsewhere] is an efs file system of fs-fedcba9876543210f, which steps on Fargate here cannot mount; they can only mount efs:// file systems of [${EFS_A}, ${EFS_B}]`,
    );
    expect(executorProfile({ FLOE_EXECUTOR: 'fargate' }).mountRefusal(EFS_FS.work)).toContain(
      'no efs:// file system is configured for them here',
    );
  });
});

describe('placing a run', () => {
  it('on Fargate: keeps the efs file systems and the size of each flavour its container steps name', async () => {
    const spec = yamlSpec(
      {
        a: { command: 'a', env: { PF_JOB_FLAVOUR: 'flavour1' } },
        b: { command: 'b', env: { PF_JOB_FLAVOUR: 'big' }, extra_fs: [{ name: 'models' }] },
        c: { command: 'c', env: { PF_JOB_FLAVOUR: 'flavour1' } },
        d: { command: 'd' },
      },
      { post_process: { clean: { command: 'rm', env: { PF_JOB_FLAVOUR: 'customFlavour' } } } },
    );
    const placed = await placeRun(
      spec,
      fileSystems('work', 'models'),
      fargate,
      catalogue({ name: 'big', cpu: '3', mem: '20Gi' }),
    );
    expect(placed).toEqual({
      efs: { work: { fileSystemId: EFS_A, path: '/teams/ml' }, models: { fileSystemId: EFS_B, path: '/' } },
      sizes: {
        flavour1: { cpu: 1024, memory: 2048 },
        big: { cpu: 4096, memory: 20480 },
        customFlavour: { cpu: 1024, memory: 2048 },
      },
    });
  });

  it('locally: no sizes, and no flavour is looked at', async () => {
    const spec = yamlSpec(
      {
        a: { command: 'a', env: { PF_JOB_FLAVOUR: 'flavour2' } },
        b: { command: 'b', env: { PF_JOB_FLAVOUR: 'nope' } },
      },
      { fs_options: { main_fs: { name: 'scratch' } } },
    );
    expect(await placeRun(spec, fileSystems('scratch'), local, catalogue())).toEqual({});
  });

  it('takes /runjson’s run-level flavour for every step that names none', async () => {
    const { spec } = parseRunJson({
      name: 'ppl',
      docker_env: 'img',
      flavour: 'flavour2',
      entry_points: { a: { command: 'a' }, b: { command: 'b', flavour: 'flavour1' } },
    });
    const error = await pfError(placeRun(spec, new Map(), fargate, catalogue()));
    expect(error.code).toBe('InvalidArguments');
    expect(error.message).toBe(
      'flavour[flavour2] of step[a] cannot run on Fargate: it asks for [nvidia.com/gpu: 1], and Fargate tasks have no scalar resources (no GPUs)',
    );
  });

  it.each([
    [
      { PF_JOB_FLAVOUR: 'flavour3' },
      'flavour[flavour3] of step[train] cannot run on Fargate: it asks for [nvidia.com/gpu: 2]',
    ],
    [
      { PF_JOB_FLAVOUR: 'huge' },
      'flavour[huge] of step[train] cannot run on Fargate: it asks for cpu [32] and mem [64Gi], more than the largest Fargate task (16 vCPU, 120 GB)',
    ],
    [{ PF_JOB_FLAVOUR: 'nope' }, 'flavour[nope] of step[train] does not exist'],
    [{ PF_JOB_FLAVOUR: '{{f}}' }, 'flavour[{{f}}] of step[train] is a template'],
  ])('refuses on Fargate a step with env %j', async (env, message) => {
    const spec = yamlSpec({
      dag: { entry_points: { train: { command: 't', env, parameters: { f: 'flavour1' } } } },
    });
    const error = await pfError(
      placeRun(spec, fileSystems('work'), fargate, catalogue({ name: 'huge', cpu: '32', mem: '64Gi' })),
    );
    expect(error.code).toBe('InvalidArguments');
    expect(error.message).toContain(message.replace('step[train]', 'step[dag.train]'));
  });

  it('refuses a fs its container steps mount that the executor cannot', async () => {
    const extra = (name: string) => yamlSpec({ a: { command: 'a', extra_fs: [{ name }] } });
    await expect(
      placeRun(extra('elsewhere'), fileSystems('work', 'elsewhere'), fargate, catalogue()),
    ).rejects.toThrow('fs[elsewhere] is an efs file system of fs-fedcba9876543210f');
    await expect(
      placeRun(extra('bucket'), fileSystems('work', 'bucket'), fargate, catalogue()),
    ).rejects.toThrow('fs[bucket] is a s3 file system; steps run on Fargate here');
    const mainLocal = yamlSpec({ a: { command: 'a' } }, { fs_options: { main_fs: { name: 'scratch' } } });
    await expect(placeRun(mainLocal, fileSystems('scratch'), fargate, catalogue())).rejects.toThrow(
      'fs[scratch] is a local file system',
    );
  });

  it('does not check what runs no container, nor what is disabled', async () => {
    const spec = yamlSpec(
      {
        ok: { command: 'ok' },
        ask: {
          approval: { approvers: 'carol' },
          env: { PF_JOB_FLAVOUR: 'flavour2' },
          extra_fs: [{ name: 'bucket' }],
        },
        wait: { callback: {}, env: { PF_JOB_FLAVOUR: 'nope' } },
        fn: { lambda: { function: 'floe-step-score' } },
        call: { http: { url: 'https://example.com/hook', method: 'POST' } },
        gpu: { command: 'g', env: { PF_JOB_FLAVOUR: 'flavour2' }, extra_fs: [{ name: 'scratch' }] },
        dag: { entry_points: { inner: { command: 'i', env: { PF_JOB_FLAVOUR: 'flavour3' } } } },
      },
      { disabled: 'gpu,dag' },
    );
    expect(containerSteps(spec).map((step) => step.path)).toEqual(['ok']);
    expect(await placeRun(spec, fileSystems('work', 'bucket', 'scratch'), fargate, catalogue())).toEqual({
      efs: { work: { fileSystemId: EFS_A, path: '/teams/ml' } },
      sizes: {},
    });
  });

  it('refuses lambda and http steps the executor cannot call, naming the step and the field', async () => {
    // Locally on a local fs, on Fargate on an efs one: only the call is in question.
    const place = (step: Record<string, unknown>, profile = fargate) => {
      const mainFs = profile === local ? 'scratch' : 'work';
      const spec = yamlSpec({ call: step }, { fs_options: { main_fs: { name: mainFs } } });
      return placeRun(spec, fileSystems(mainFs), profile, catalogue());
    };
    await expect(place({ lambda: { module: 'm.mjs' } })).rejects.toThrow(
      'step[call] is a lambda step without [lambda.function]',
    );
    await expect(
      place({ lambda: { function: 'arn:aws:lambda:eu-west-1:111122223333:function:score:live' } }),
    ).rejects.toThrow(
      '[lambda.function] of step[call] is [arn:aws:lambda:eu-west-1:111122223333:function:score:live]; lambda steps here may invoke only functions whose names start with [floe-step-]',
    );
    await expect(place({ http: { url: 'http://example.com/hook' } })).rejects.toThrow(
      '[http.url] of step[call] is [http://example.com/hook]; in AWS http steps call https:// endpoints only',
    );
    await expect(place({ lambda: { function: 'score' } }, local)).rejects.toThrow(
      'step[call] is a lambda step without [lambda.module]',
    );
    // Accepted: a prefixed name, ARN or partial ARN on Fargate; a module locally; an https or templated url.
    for (const fn of [
      'floe-step-score',
      'arn:aws:lambda:eu-west-1:111122223333:function:floe-step-score:2',
      '111122223333:function:floe-step-x',
    ]) {
      await expect(place({ lambda: { function: fn } })).resolves.toBeDefined();
    }
    await expect(place({ lambda: { module: 'm.mjs' } }, local)).resolves.toBeDefined();
    await expect(
      place({ http: { url: '{{base}}/hook' }, parameters: { base: 'https://x' } }),
    ).resolves.toBeDefined();
    await expect(place({ http: { url: 'http://localhost:8080/hook' } }, local)).resolves.toBeDefined();
    const prefixed = executorProfile({
      FLOE_EXECUTOR: 'fargate',
      FLOE_EFS_FILE_SYSTEMS: EFS_A,
      FLOE_LAMBDA_FUNCTION_PREFIX: 'team-a-',
    });
    await expect(place({ lambda: { function: 'team-a-score' } }, prefixed)).resolves.toBeDefined();
    await expect(place({ lambda: { function: 'floe-step-score' } }, prefixed)).rejects.toThrow(
      'start with [team-a-]',
    );
  });

  it('checks the pipeline’s extra_fs only when a container step runs', async () => {
    const ask = { approval: { approvers: 'carol' } };
    const place = (entryPoints: Record<string, unknown>) =>
      placeRun(
        yamlSpec(entryPoints, { fs_options: { main_fs: { name: 'work' }, extra_fs: [{ name: 'scratch' }] } }),
        fileSystems('work', 'scratch'),
        fargate,
        catalogue(),
      );
    await expect(place({ ask })).resolves.toEqual({
      efs: { work: { fileSystemId: EFS_A, path: '/teams/ml' } },
      sizes: {},
    });
    await expect(place({ ask, go: { command: 'go' } })).rejects.toThrow('fs[scratch] is a local file system');
  });
});

describe('flavours', () => {
  it('are PaddleFlow’s seed flavours, plus (or replaced by) those of FLOE_FLAVOURS', async () => {
    const seeds = flavoursFromEnv({});
    expect(await seeds.get('flavour1')).toEqual({ name: 'flavour1', cpu: '1', mem: '1Gi' });
    expect(await seeds.get('flavour2')).toMatchObject({ scalarResources: { 'nvidia.com/gpu': '1' } });
    expect(await seeds.get('big')).toBeUndefined();
    const more = catalogue(
      { name: 'big', cpu: '8', mem: '32Gi' },
      { name: 'flavour1', cpu: '2', mem: '4Gi' },
    );
    expect(await more.get('big')).toEqual({ name: 'big', cpu: '8', mem: '32Gi' });
    expect(await more.get('flavour1')).toEqual({ name: 'flavour1', cpu: '2', mem: '4Gi' });
  });

  it.each([
    ['{', 'it is not JSON'],
    ['{"name":"x"}', 'it is not a JSON list'],
    ['[{"name":"x","cpu":1,"mem":"1Gi"}]', 'needs a name, a cpu and a mem'],
    ['[{"name":"x","cpu":"1","mem":"1Gi","scalarResources":{"gpu":1}}]', 'scalarResources of strings'],
  ])('say so when FLOE_FLAVOURS is %s', async (raw, why) => {
    const error = await pfError(flavoursFromEnv({ FLOE_FLAVOURS: raw }).get('x'));
    expect(error.code).toBe('InternalError');
    expect(error.message).toContain(why);
  });
});
