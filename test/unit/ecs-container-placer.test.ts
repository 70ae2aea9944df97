import {
  ClientException,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  ServerException,
} from '@aws-sdk/client-ecs';
import {
  AccessPointAlreadyExists,
  type AccessPointDescription,
  CreateAccessPointCommand,
  DescribeAccessPointsCommand,
  EFSClient,
} from '@aws-sdk/client-efs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobSpec, MountView } from '../../shared/engine/run/model.ts';
import { EcsContainerPlacer, startedByOf } from '../../shared/runtime/ecs-container-placer.ts';
import {
  ACCOUNT,
  described,
  metadata,
  missingFamily,
  noFamilyYet,
  registerAnswersRevision1,
  registered as registeredBy,
  STEP_ENV,
  stubStepEnv,
} from '../support/ecs-steps.ts';

const ecs = mockClient(ECSClient);
const efs = mockClient(EFSClient);

const EXECUTION_ROLE = STEP_ENV.FLOE_STEP_EXECUTION_ROLE_ARN;
const TASK_ROLE = STEP_ENV.FLOE_STEP_TASK_ROLE_ARN;
const LOG_GROUP = STEP_ENV.FLOE_STEP_LOG_GROUP;

beforeEach(stubStepEnv);
afterEach(() => {
  ecs.reset();
  efs.reset();
  vi.unstubAllEnvs();
});

const mount = (name: string, mountPath: string, efsPath: string, readOnly = false): MountView => ({
  id: `fs-root-${name}`,
  name,
  mountPath,
  subPath: '',
  readOnly,
  efs: { fileSystemId: 'fs-0123456789abcdef0', path: efsPath },
});

const job = (overrides: Partial<JobSpec> = {}): JobSpec => ({
  runId: 'run-000003',
  key: 'train',
  attempt: 1,
  jobId: 'job-run-000003-train-0a1b2c3d',
  jobName: 'run-000003-train',
  stepName: 'train',
  command: 'python train.py',
  dockerEnv: 'python:3.12',
  env: {},
  mounts: [],
  outputPaths: [],
  ...overrides,
});

/** The access point as EFS describes it (CreateAccessPoint / DescribeAccessPoints). */
const accessPoint = (
  id: string,
  path: string,
  token: string,
  state: AccessPointDescription['LifeCycleState'],
): AccessPointDescription => ({
  ClientToken: token,
  Tags: [{ Key: 'floe:component', Value: 'step-volume' }],
  AccessPointId: id,
  AccessPointArn: `arn:aws:elasticfilesystem:eu-west-1:${ACCOUNT}:access-point/${id}`,
  FileSystemId: 'fs-0123456789abcdef0',
  RootDirectory: { Path: path, CreationInfo: { OwnerUid: 0, OwnerGid: 0, Permissions: '755' } },
  OwnerId: ACCOUNT,
  LifeCycleState: state,
});

const registered = () => registeredBy(ecs);
const quick = () => vi.fn(async (_ms: number) => {});

describe('startedByOf', () => {
  it('is `floe-` and 31 hex of the job id: 36 characters ECS accepts, the same every time', () => {
    const startedBy = startedByOf('job-run-000003-train-0a1b2c3d');
    expect(startedBy).toMatch(/^floe-[0-9a-f]{31}$/);
    expect(startedBy).toHaveLength(36);
    expect(startedByOf('job-run-000003-train-0a1b2c3d')).toBe(startedBy);
    expect(startedByOf('job-run-000003-train-0a1b2c3e')).not.toBe(startedBy);
  });
});

describe('EcsContainerPlacer', () => {
  it('registers a definition on first use: size, image, an `sh -c` entry point, awslogs, roles, EFS volumes through access points', async () => {
    noFamilyYet(ecs);
    efs.on(CreateAccessPointCommand).callsFake((input) => ({
      ...accessPoint(
        input.RootDirectory.Path === '/pf/root/data' ? 'fsap-0aaa' : 'fsap-0bbb',
        input.RootDirectory.Path,
        input.ClientToken,
        'creating',
      ),
      $metadata: {},
    }));
    efs.on(DescribeAccessPointsCommand).callsFake((input) => ({
      AccessPoints: [
        accessPoint(
          input.AccessPointId,
          input.AccessPointId === 'fsap-0aaa' ? '/pf/root/data' : '/pf/root/models',
          'x',
          'available',
        ),
      ],
    }));
    const sleep = quick();

    const placement = await new EcsContainerPlacer({ sleep }).placementOf(
      job({
        size: { cpu: 1024, memory: 4096 },
        workDir: '/home/paddleflow/storage/mnt/fs-root-data',
        mounts: [
          mount('data', '/home/paddleflow/storage/mnt/fs-root-data', '/pf/root/data'),
          mount('models', '/mnt/models', '/pf/root/models', true),
          // The same fs path seen twice: one volume, two mount points.
          mount('data', '/mnt/data-ro', '/pf/root/data', true),
        ],
      }),
    );

    const describes = ecs.commandCalls(DescribeTaskDefinitionCommand).map((call) => call.args[0].input);
    expect(describes).toHaveLength(1);
    const family = describes[0]!.taskDefinition!;
    expect(family).toMatch(/^floe-step-[0-9a-f]{16}$/);

    const creates = efs.commandCalls(CreateAccessPointCommand).map((call) => call.args[0].input);
    expect(creates).toHaveLength(2);
    const tokens = creates.map((create) => create.ClientToken!);
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[1]).not.toBe(tokens[0]);
    expect(creates).toEqual([
      {
        ClientToken: tokens[0],
        FileSystemId: 'fs-0123456789abcdef0',
        RootDirectory: {
          Path: '/pf/root/data',
          CreationInfo: { OwnerUid: 0, OwnerGid: 0, Permissions: '755' },
        },
        Tags: [{ Key: 'floe:component', Value: 'step-volume' }],
      },
      {
        ClientToken: tokens[1],
        FileSystemId: 'fs-0123456789abcdef0',
        RootDirectory: {
          Path: '/pf/root/models',
          CreationInfo: { OwnerUid: 0, OwnerGid: 0, Permissions: '755' },
        },
        Tags: [{ Key: 'floe:component', Value: 'step-volume' }],
      },
    ]);
    // Both were `creating`: each waited once, then was described `available`.
    expect(efs.commandCalls(DescribeAccessPointsCommand).map((call) => call.args[0].input)).toEqual([
      { AccessPointId: 'fsap-0aaa' },
      { AccessPointId: 'fsap-0bbb' },
    ]);
    expect(sleep).toHaveBeenCalledTimes(2);

    expect(registered()).toEqual([
      {
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '1024',
        memory: '4096',
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
        executionRoleArn: EXECUTION_ROLE,
        taskRoleArn: TASK_ROLE,
        containerDefinitions: [
          {
            name: 'step',
            image: 'python:3.12',
            // The NodeMachine's Command is the job's command alone: this runs it, whatever the image's ENTRYPOINT.
            entryPoint: ['sh', '-c'],
            essential: true,
            workingDirectory: '/home/paddleflow/storage/mnt/fs-root-data',
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': LOG_GROUP,
                'awslogs-region': 'eu-west-1',
                'awslogs-stream-prefix': 'step',
              },
            },
            // Sorted by mount path.
            mountPoints: [
              {
                sourceVolume: 'efs0',
                containerPath: '/home/paddleflow/storage/mnt/fs-root-data',
                readOnly: false,
              },
              { sourceVolume: 'efs0', containerPath: '/mnt/data-ro', readOnly: true },
              { sourceVolume: 'efs1', containerPath: '/mnt/models', readOnly: true },
            ],
          },
        ],
        volumes: [
          {
            name: 'efs0',
            efsVolumeConfiguration: {
              fileSystemId: 'fs-0123456789abcdef0',
              transitEncryption: 'ENABLED',
              authorizationConfig: { accessPointId: 'fsap-0aaa', iam: 'ENABLED' },
            },
          },
          {
            name: 'efs1',
            efsVolumeConfiguration: {
              fileSystemId: 'fs-0123456789abcdef0',
              transitEncryption: 'ENABLED',
              authorizationConfig: { accessPointId: 'fsap-0bbb', iam: 'ENABLED' },
            },
          },
        ],
        tags: [{ key: 'floe:component', value: 'step' }],
      },
    ]);

    expect(placement).toEqual({
      taskDefinition: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${family}:1`,
      subnets: ['subnet-0a1', 'subnet-0b2'],
      securityGroups: ['sg-0c3'],
      assignPublicIp: 'DISABLED',
      startedBy: startedByOf('job-run-000003-train-0a1b2c3d'),
    });
  });

  it('gives a job without a size Fargate’s smallest, and one without mounts no volumes', async () => {
    noFamilyYet(ecs);
    await new EcsContainerPlacer().placementOf(job());
    const [input] = registered();
    expect(input).toMatchObject({ cpu: '256', memory: '512', volumes: [] });
    expect(input!.containerDefinitions![0]!.mountPoints).toEqual([]);
    expect(input!.containerDefinitions![0]!.entryPoint).toEqual(['sh', '-c']);
    // No working directory (`PF_MOUNT_PATH: NONE`): the image's own.
    expect(input!.containerDefinitions![0]).not.toHaveProperty('workingDirectory');
    expect(efs.calls()).toHaveLength(0);
  });

  it('reuses the definition from its cache on second use, asking ECS nothing', async () => {
    noFamilyYet(ecs);
    const placer = new EcsContainerPlacer();
    const first = await placer.placementOf(job());
    const callsAfterFirst = ecs.calls().length;
    const second = await placer.placementOf(job({ jobId: 'job-run-000003-eval-9f8e7d6c', command: 'other' }));
    expect(ecs.calls()).toHaveLength(callsAfterFirst);
    expect(second.taskDefinition).toBe(first.taskDefinition);
    expect(second.startedBy).toBe(startedByOf('job-run-000003-eval-9f8e7d6c'));
  });

  it('in a fresh container, finds the ACTIVE family with DescribeTaskDefinition and registers nothing', async () => {
    noFamilyYet(ecs);
    await new EcsContainerPlacer().placementOf(job());
    const family = registered()[0]!.family!;
    ecs.reset();

    const output: Partial<DescribeTaskDefinitionCommandOutput> = {
      taskDefinition: described(family, 4),
      tags: [],
    };
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: family }).resolves(output);
    const placement = await new EcsContainerPlacer().placementOf(job());
    expect(placement.taskDefinition).toBe(`arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${family}:4`);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  it('registers again when the family is no longer ACTIVE', async () => {
    ecs.on(DescribeTaskDefinitionCommand).callsFake((input) => ({
      taskDefinition: described(input.taskDefinition, 2, 'DELETE_IN_PROGRESS'),
    }));
    registerAnswersRevision1(ecs);
    const placement = await new EcsContainerPlacer().placementOf(job());
    expect(registered()).toHaveLength(1);
    expect(placement.taskDefinition).toMatch(/:1$/);
  });

  it('registers once for concurrent placements of the same definition', async () => {
    noFamilyYet(ecs);
    const placer = new EcsContainerPlacer();
    const placements = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        placer.placementOf(job({ jobId: `job-run-000003-s${i}-00000000` })),
      ),
    );
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
    expect(registered()).toHaveLength(1);
    expect(new Set(placements.map((placement) => placement.taskDefinition)).size).toBe(1);
    expect(new Set(placements.map((placement) => placement.startedBy)).size).toBe(5);
  });

  it('gives two images, sizes, work dirs or roles different families; the same mounts in another order one', async () => {
    noFamilyYet(ecs);
    efs
      .on(CreateAccessPointCommand)
      .callsFake((input) =>
        accessPoint('fsap-0ccc', input.RootDirectory.Path, input.ClientToken, 'available'),
      );
    const placer = new EcsContainerPlacer();
    const a = mount('data', '/mnt/a', '/pf/a');
    const b = mount('more', '/mnt/b', '/pf/b');
    await placer.placementOf(job({ dockerEnv: 'python:3.12' }));
    await placer.placementOf(job({ dockerEnv: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime' }));
    await placer.placementOf(job({ size: { cpu: 512, memory: 1024 } }));
    await placer.placementOf(job({ mounts: [a, b] }));
    await placer.placementOf(job({ mounts: [b, a] }));
    await placer.placementOf(job({ mounts: [a, b], workDir: '/mnt/a' }));
    const families = registered().map((input) => input.family);
    expect(families).toHaveLength(5);
    expect(new Set(families).size).toBe(5);
    expect(registered().map((input) => input.containerDefinitions![0]!.image)).toEqual([
      'python:3.12',
      'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
      'python:3.12',
      'python:3.12',
      'python:3.12',
    ]);

    // Another deployment's roles: the family found in ECS must not be one that names the old roles.
    vi.stubEnv('FLOE_STEP_TASK_ROLE_ARN', `arn:aws:iam::${ACCOUNT}:role/Floe-StepTaskRole-New`);
    await new EcsContainerPlacer().placementOf(job());
    expect(registered()[5]!.family).not.toBe(families[0]);
  });

  it('mounts a read-only fs read-only', async () => {
    noFamilyYet(ecs);
    efs.on(CreateAccessPointCommand).resolves(accessPoint('fsap-0ddd', '/pf/ro', 't', 'available'));
    await new EcsContainerPlacer().placementOf(job({ mounts: [mount('ro', '/mnt/ro', '/pf/ro', true)] }));
    expect(registered()[0]!.containerDefinitions![0]!.mountPoints).toEqual([
      { sourceVolume: 'efs0', containerPath: '/mnt/ro', readOnly: true },
    ]);
    // Already available: nothing to wait for.
    expect(efs.commandCalls(DescribeAccessPointsCommand)).toHaveLength(0);
  });

  it('creates each access point with a token of (file system, path): a repeat finds the one EFS made', async () => {
    noFamilyYet(ecs);
    const data = mount('data', '/mnt/data', '/pf/root/data');
    efs
      .on(CreateAccessPointCommand)
      .resolvesOnce(accessPoint('fsap-0aaa', '/pf/root/data', 'x', 'available'));
    await new EcsContainerPlacer().placementOf(job({ mounts: [data] }));

    // A fresh container with another image: the same fs path, the same token; EFS refuses, naming the access point.
    efs.on(CreateAccessPointCommand).rejects(
      new AccessPointAlreadyExists({
        message: 'Access point already exists with the given client token',
        ErrorCode: 'AccessPointAlreadyExists',
        AccessPointId: 'fsap-0aaa',
        ...metadata,
      }),
    );
    efs
      .on(DescribeAccessPointsCommand)
      .resolves({ AccessPoints: [accessPoint('fsap-0aaa', '/pf/root/data', 'x', 'available')] });
    const sleep = quick();
    await new EcsContainerPlacer({ sleep }).placementOf(job({ dockerEnv: 'node:24', mounts: [data] }));

    const tokens = efs.commandCalls(CreateAccessPointCommand).map((call) => call.args[0].input.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
    // The existing one's state is unknown: described at once, without a wait.
    expect(efs.commandCalls(DescribeAccessPointsCommand).map((call) => call.args[0].input)).toEqual([
      { AccessPointId: 'fsap-0aaa' },
    ]);
    expect(sleep).not.toHaveBeenCalled();
    expect(
      registered().map((input) => input.volumes![0]!.efsVolumeConfiguration!.authorizationConfig),
    ).toEqual([
      { accessPointId: 'fsap-0aaa', iam: 'ENABLED' },
      { accessPointId: 'fsap-0aaa', iam: 'ENABLED' },
    ]);
  });

  it('finds an existing access point by its token when the refusal does not name it', async () => {
    noFamilyYet(ecs);
    efs.on(CreateAccessPointCommand).rejects(
      new AccessPointAlreadyExists({
        message: 'exists',
        ErrorCode: 'AccessPointAlreadyExists',
        AccessPointId: undefined,
        ...metadata,
      }),
    );
    efs.on(DescribeAccessPointsCommand, { FileSystemId: 'fs-0123456789abcdef0' }).callsFake((input) =>
      input.NextToken
        ? { AccessPoints: [accessPoint('fsap-0eee', '/pf/root/data', tokenSeen(), 'available')] }
        : {
            AccessPoints: [accessPoint('fsap-0fff', '/other', 'other-token', 'available')],
            NextToken: 'page-2',
          },
    );
    efs
      .on(DescribeAccessPointsCommand, { AccessPointId: 'fsap-0eee' })
      .resolves({ AccessPoints: [accessPoint('fsap-0eee', '/pf/root/data', 'x', 'available')] });
    const tokenSeen = () => efs.commandCalls(CreateAccessPointCommand)[0]!.args[0].input.ClientToken!;

    await new EcsContainerPlacer().placementOf(
      job({ mounts: [mount('data', '/mnt/data', '/pf/root/data')] }),
    );
    expect(efs.commandCalls(DescribeAccessPointsCommand).map((call) => call.args[0].input)).toEqual([
      { FileSystemId: 'fs-0123456789abcdef0', NextToken: undefined },
      { FileSystemId: 'fs-0123456789abcdef0', NextToken: 'page-2' },
      { AccessPointId: 'fsap-0eee' },
    ]);
    expect(registered()[0]!.volumes![0]!.efsVolumeConfiguration!.authorizationConfig!.accessPointId).toBe(
      'fsap-0eee',
    );
  });

  it('waits for an access point until it is available, and gives up after a bounded wait', async () => {
    noFamilyYet(ecs);
    efs.on(CreateAccessPointCommand).resolves(accessPoint('fsap-0aaa', '/pf/a', 't', 'creating'));
    efs
      .on(DescribeAccessPointsCommand)
      .resolvesOnce({ AccessPoints: [accessPoint('fsap-0aaa', '/pf/a', 't', 'creating')] })
      .resolvesOnce({ AccessPoints: [accessPoint('fsap-0aaa', '/pf/a', 't', 'creating')] })
      .resolves({ AccessPoints: [accessPoint('fsap-0aaa', '/pf/a', 't', 'available')] });
    const sleep = quick();
    const placer = new EcsContainerPlacer({ sleep });
    await placer.placementOf(job({ mounts: [mount('a', '/mnt/a', '/pf/a')] }));
    expect(efs.commandCalls(DescribeAccessPointsCommand)).toHaveLength(3);
    expect(sleep).toHaveBeenCalledTimes(3);
    expect(sleep).toHaveBeenCalledWith(1000);
    expect(registered()).toHaveLength(1);

    efs.reset();
    efs.on(CreateAccessPointCommand).resolves(accessPoint('fsap-0bbb', '/pf/b', 't', 'creating'));
    efs
      .on(DescribeAccessPointsCommand)
      .resolves({ AccessPoints: [accessPoint('fsap-0bbb', '/pf/b', 't', 'creating')] });
    await expect(placer.placementOf(job({ mounts: [mount('b', '/mnt/b', '/pf/b')] }))).rejects.toThrow(
      'EFS access point fsap-0bbb is still creating after 30 polls',
    );
    expect(efs.commandCalls(DescribeAccessPointsCommand)).toHaveLength(30);
    expect(registered()).toHaveLength(1);
  });

  it('refuses an access point that failed', async () => {
    ecs.on(DescribeTaskDefinitionCommand).rejects(missingFamily());
    efs.on(CreateAccessPointCommand).resolves(accessPoint('fsap-0aaa', '/pf/a', 't', 'error'));
    await expect(
      new EcsContainerPlacer().placementOf(job({ mounts: [mount('a', '/mnt/a', '/pf/a')] })),
    ).rejects.toThrow('EFS access point fsap-0aaa is error, not available');
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  it('lets a register error through, and tries again on the next placement', async () => {
    ecs.on(DescribeTaskDefinitionCommand).rejects(missingFamily());
    ecs
      .on(RegisterTaskDefinitionCommand)
      .rejectsOnce(
        new ClientException({
          message: 'Too many concurrent attempts to create a new revision',
          ...metadata,
        }),
      )
      .callsFake((input: RegisterTaskDefinitionCommandInput) => ({
        taskDefinition: described(input.family!, 1),
      }));
    const placer = new EcsContainerPlacer();
    await expect(placer.placementOf(job())).rejects.toThrow('Too many concurrent attempts');
    await expect(placer.placementOf(job())).resolves.toMatchObject({
      taskDefinition: expect.stringMatching(/:1$/),
    });
    expect(registered()).toHaveLength(2);
  });

  it('lets describe errors other than a missing family through, without registering', async () => {
    ecs
      .on(DescribeTaskDefinitionCommand)
      .rejects(new ServerException({ message: 'Service unavailable', ...metadata }));
    await expect(new EcsContainerPlacer().placementOf(job())).rejects.toThrow('Service unavailable');
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  it('refuses a mount that is not on EFS, before calling AWS', async () => {
    const local: MountView = {
      id: 'fs-root-local',
      name: 'local',
      mountPath: '/mnt/local',
      subPath: '',
      readOnly: false,
    };
    await expect(new EcsContainerPlacer().placementOf(job({ mounts: [local] }))).rejects.toThrow(
      'fs "local" (fs-root-local) is not on EFS: a Fargate step cannot mount it',
    );
    expect(ecs.calls()).toHaveLength(0);
    expect(efs.calls()).toHaveLength(0);
  });

  it('reads its settings at first use: the prefix, architecture and network; refuses missing or wrong ones', async () => {
    noFamilyYet(ecs);
    vi.stubEnv('FLOE_STEP_FAMILY_PREFIX', 'Floe-Dev-step-');
    vi.stubEnv('FLOE_STEP_ARCHITECTURE', 'ARM64');
    vi.stubEnv('FLOE_STEP_SECURITY_GROUPS', '');
    vi.stubEnv('FLOE_STEP_PUBLIC_IP', 'ENABLED');
    const placement = await new EcsContainerPlacer().placementOf(job());
    expect(registered()[0]!.family).toMatch(/^Floe-Dev-step-[0-9a-f]{16}$/);
    expect(registered()[0]!.runtimePlatform).toEqual({
      operatingSystemFamily: 'LINUX',
      cpuArchitecture: 'ARM64',
    });
    expect(placement).toMatchObject({ securityGroups: [], assignPublicIp: 'ENABLED' });

    vi.stubEnv('FLOE_STEP_PUBLIC_IP', 'yes');
    await expect(new EcsContainerPlacer().placementOf(job())).rejects.toThrow(
      'FLOE_STEP_PUBLIC_IP must be one of ENABLED, DISABLED, not "yes"',
    );
    vi.stubEnv('FLOE_STEP_PUBLIC_IP', '');
    vi.stubEnv('FLOE_STEP_SUBNETS', '');
    await expect(new EcsContainerPlacer().placementOf(job())).rejects.toThrow('FLOE_STEP_SUBNETS is not set');
    vi.stubEnv('FLOE_STEP_SUBNETS', 'subnet-0a1');
    vi.stubEnv('FLOE_STEP_EXECUTION_ROLE_ARN', '');
    await expect(new EcsContainerPlacer().placementOf(job())).rejects.toThrow(
      'FLOE_STEP_EXECUTION_ROLE_ARN is not set',
    );
    expect(registered()).toHaveLength(1);
  });
});
