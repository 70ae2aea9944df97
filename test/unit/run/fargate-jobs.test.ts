/** What a dispatched job carries for Fargate: its size from the run's flavour sizes, and its EFS mounts. */
import { describe, expect, it } from 'vitest';
import { jobSpecOf } from '../../../shared/engine/run/job.ts';
import type { RunContext } from '../../../shared/engine/run/model.ts';
import { context, dispatchedJobs, MOUNT, pipeline, Run } from './support.ts';

const EFS_DATA = 'fs-0123456789abcdef0';
const EFS_MODELS = 'fs-01234567';

/** The run as Fargate creation leaves it: efs file systems and the sizes of its flavours. */
const fargateContext = (): RunContext => {
  const base = context('run-000001', 'work/space');
  return {
    ...base,
    mainFs: { ...base.mainFs!, efs: { fileSystemId: EFS_DATA, path: '/pipelines/work/space' } },
    efs: {
      data: { fileSystemId: EFS_DATA, path: '/pipelines' },
      models: { fileSystemId: EFS_MODELS, path: '/' },
    },
    sizes: { flavour1: { cpu: 1024, memory: 2048 }, big: { cpu: 4096, memory: 16384 } },
  };
};

const spec = () =>
  pipeline(
    {
      train: {
        command: 'train',
        env: { PF_JOB_FLAVOUR: 'big' },
        extra_fs: [{ name: 'models', mount_path: '/models', sub_path: 'v1/../v2', read_only: true }],
      },
      small: { command: 'echo small', env: { PF_JOB_FLAVOUR: 'flavour1' } },
      report: { deps: 'train', command: 'report' },
      signoff: { deps: 'train', approval: { approvers: 'carol' }, env: { PF_JOB_FLAVOUR: 'flavour1' } },
    },
    {
      fs_options: { main_fs: { name: 'data', sub_path: 'work/space' }, extra_fs: [{ name: 'models' }] },
    },
  );

const jobsOf = (run: Run) => dispatchedJobs(run.commands);

/** The pipeline's run, started on Fargate (or, given it, on another context). */
const started = (ctx = fargateContext()) => {
  const run = new Run(spec(), ctx);
  run.start();
  return run;
};

describe('a job on Fargate', () => {
  it('carries the size of its flavour, none without one', () => {
    const run = started();
    run.finish('train');
    const jobs = jobsOf(run);
    expect(jobs.train!.size).toEqual({ cpu: 4096, memory: 16384 });
    expect(jobs.small!.size).toEqual({ cpu: 1024, memory: 2048 });
    expect(jobs.report!.size).toBeUndefined();
    // An approval runs no container: no size, whatever its env says.
    expect(jobs.signoff!.env.PF_JOB_FLAVOUR).toBe('flavour1');
    expect(jobs.signoff!.size).toBeUndefined();
  });

  it('has no size without a flavour, or for one the run did not size (an operator’s retry may name one)', () => {
    const run = started();
    const node = run.node('small');
    const withEnv = (env: Record<string, string>) =>
      jobSpecOf(run.state, { ...node, env: { ...node.env, ...env } });
    expect(withEnv({ PF_JOB_FLAVOUR: 'flavour9' }).size).toBeUndefined();
    expect(withEnv({ PF_JOB_FLAVOUR: '' }).size).toBeUndefined();
    expect(withEnv({ PF_JOB_FLAVOUR: 'toString' }).size).toBeUndefined();
    expect(withEnv({ PF_JOB_FLAVOUR: 'big' }).size).toEqual({ cpu: 4096, memory: 16384 });
  });

  it('mounts each efs fs at the fs URL’s path joined with the mount’s sub_path', () => {
    expect(jobsOf(started()).train!.mounts).toEqual([
      {
        id: 'fs-root-data',
        name: 'data',
        mountPath: MOUNT,
        subPath: 'work/space',
        readOnly: false,
        efs: { fileSystemId: EFS_DATA, path: '/pipelines/work/space' },
      },
      {
        id: 'fs-root-models',
        name: 'models',
        mountPath: '/home/paddleflow/storage/mnt/fs-root-models',
        subPath: '',
        readOnly: false,
        efs: { fileSystemId: EFS_MODELS, path: '/' },
      },
      {
        id: 'fs-root-models',
        name: 'models',
        mountPath: '/models',
        subPath: 'v1/../v2',
        readOnly: true,
        efs: { fileSystemId: EFS_MODELS, path: '/v2' },
      },
    ]);
  });

  it('locally: no size and no efs, as before', () => {
    const train = jobsOf(started(context('run-000001', 'work/space'))).train!;
    expect(train.size).toBeUndefined();
    expect(train.mounts.every((mount) => mount.efs === undefined)).toBe(true);
  });
});
