/**
 * The ContainerPlacer in AWS: a registry of Fargate task definitions, one per (image, size, EFS volumes).
 * The NodeMachine's RunTask names a task definition, and the image, volumes and working directory can only be
 * set there (ECS overrides take command, environment, CPU and memory, not those), so each distinct job shape
 * gets its own definition, registered the first time it is needed and reused after.
 *
 * The family is a hash of everything the definition holds (`${FLOE_STEP_FAMILY_PREFIX}<16 hex>`), so a
 * family found in ECS is the definition wanted: a fresh container finds it with one DescribeTaskDefinition,
 * and a redeploy that changes a role or the log group gets new families instead of reusing stale ones. Two
 * containers registering the same family at once make two identical revisions, which is harmless.
 *
 * EFS volumes mount through an access point on the fs path (the `efs://<fs-id>/<path>` of the fs), one per
 * (file system, path), created with a ClientToken derived from both so a repeated create finds the same one.
 */
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateAccessPointCommand, DescribeAccessPointsCommand, EFSClient } from '@aws-sdk/client-efs';
import { sha256Hex } from '../engine/run/ids.ts';
import type { ContainerSize, JobSpec } from '../engine/run/model.ts';
import { STEP_CONTAINER_NAME } from '../machines/node-machine.ts';
import { traced } from '../observability/tracer.ts';
import type { ContainerPlacement, ContainerPlacer } from './ports.ts';

let ecs: ECSClient | undefined;
let efs: EFSClient | undefined;
/** One client each per container, made on first use. */
const ecsClient = () => (ecs ??= traced(new ECSClient({})));
const efsClient = () => (efs ??= traced(new EFSClient({})));

/**
 * The step container's entry point: the NodeMachine's override `Command` is the job's command alone, which
 * this runs. ECS's `Command` replaces only the image's CMD, so without an entry point of Floe's an image with
 * an ENTRYPOINT would get the command as that entry point's arguments (PaddleFlow's `command` replaces it on
 * Kubernetes). `sh`, not `bash`: many images (alpine, busybox, slim distributions) have no bash, and every
 * image a shell command can run in has a POSIX sh. Locally the job runs under bash where there is one
 * (infra/local/executor/process-executor.ts).
 */
export const STEP_ENTRY_POINT = ['sh', '-c'];

/** Fargate's smallest size: what a step without a flavour gets. */
export const DEFAULT_SIZE: ContainerSize = { cpu: 256, memory: 512 };

/** ECS `startedBy` takes up to 36 letters, digits, `-` and `_`: `floe-` and 31 hex of the job id. */
export const startedByOf = (jobId: string) => `floe-${sha256Hex(jobId).slice(0, 31)}`;

/** What placement reads from the environment (once, at first use). */
interface StepConfig {
  familyPrefix: string;
  architecture: 'X86_64' | 'ARM64';
  executionRoleArn: string;
  taskRoleArn: string;
  logGroup: string;
  region: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
}

const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

function oneOf<T extends string>(name: string, allowed: readonly T[], absent: T): T {
  const value = process.env[name] || absent;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, not "${value}"`);
  }
  return value as T;
}

function stepConfigFromEnv(): StepConfig {
  const subnets = list(process.env.FLOE_STEP_SUBNETS);
  if (subnets.length === 0) throw new Error('FLOE_STEP_SUBNETS is not set');
  return {
    familyPrefix: process.env.FLOE_STEP_FAMILY_PREFIX || 'floe-step-',
    // Most images on public registries are amd64 only.
    architecture: oneOf('FLOE_STEP_ARCHITECTURE', ['X86_64', 'ARM64'], 'X86_64'),
    executionRoleArn: required('FLOE_STEP_EXECUTION_ROLE_ARN'),
    taskRoleArn: required('FLOE_STEP_TASK_ROLE_ARN'),
    logGroup: required('FLOE_STEP_LOG_GROUP'),
    region: required('AWS_REGION'),
    subnets,
    // Empty: ECS uses the VPC's default security group.
    securityGroups: list(process.env.FLOE_STEP_SECURITY_GROUPS),
    assignPublicIp: oneOf('FLOE_STEP_PUBLIC_IP', ['ENABLED', 'DISABLED'], 'DISABLED'),
  };
}

/** An EFS mount of the job: the volume (file system and path) and where and how the step sees it. */
interface EfsMount {
  fileSystemId: string;
  path: string;
  mountPath: string;
  readOnly: boolean;
}

function efsMountsOf(job: JobSpec): EfsMount[] {
  const mounts = job.mounts.map((mount) => {
    // Run creation refuses non-EFS file systems in AWS: one here is a bug upstream, not a step to run without it.
    if (!mount.efs) {
      throw new Error(`fs "${mount.name}" (${mount.id}) is not on EFS: a Fargate step cannot mount it`);
    }
    return { ...mount.efs, mountPath: mount.mountPath, readOnly: mount.readOnly };
  });
  // Sorted, so the same mounts listed in another order share a definition.
  return mounts.sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
}

/** One volume per (file system, path); several mount points may use it. */
const volumeKey = (mount: EfsMount) => JSON.stringify([mount.fileSystemId, mount.path]);

/** How long an access point may stay `creating` before placement gives up (they take seconds). */
const ACCESS_POINT_POLLS = 30;
const ACCESS_POINT_POLL_MS = 1000;

export interface EcsContainerPlacerOptions {
  /** The wait between polls of an access point still being created (tests pass a quick one). */
  sleep?: (ms: number) => Promise<void>;
}

export class EcsContainerPlacer implements ContainerPlacer {
  private config: StepConfig | undefined;
  /** family → its task definition ARN; the promise, so concurrent placements share one registration. */
  private readonly definitions = new Map<string, Promise<string>>();
  /** ClientToken → access point id, shared likewise. */
  private readonly accessPoints = new Map<string, Promise<string>>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: EcsContainerPlacerOptions = {}) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async placementOf(job: JobSpec): Promise<ContainerPlacement> {
    this.config ??= stepConfigFromEnv();
    const config = this.config;
    const taskDefinition = await this.taskDefinitionOf(config, job);
    return {
      taskDefinition,
      subnets: config.subnets,
      securityGroups: config.securityGroups,
      assignPublicIp: config.assignPublicIp,
      startedBy: startedByOf(job.jobId),
    };
  }

  private taskDefinitionOf(config: StepConfig, job: JobSpec): Promise<string> {
    const size = job.size ?? DEFAULT_SIZE;
    const mounts = efsMountsOf(job);
    // Everything the registration sends, in a fixed order: equal definitions hash equal.
    const definedBy = {
      image: job.dockerEnv,
      // A family registered before the entry point was set must not be found and reused without it.
      entryPoint: STEP_ENTRY_POINT,
      workDir: job.workDir ?? null,
      cpu: size.cpu,
      memory: size.memory,
      architecture: config.architecture,
      executionRoleArn: config.executionRoleArn,
      taskRoleArn: config.taskRoleArn,
      logGroup: config.logGroup,
      region: config.region,
      mounts: mounts.map((mount) => [mount.fileSystemId, mount.path, mount.mountPath, mount.readOnly]),
    };
    const family = `${config.familyPrefix}${sha256Hex(JSON.stringify(definedBy)).slice(0, 16)}`;
    return shared(this.definitions, family, () => this.findOrRegister(config, family, job, size, mounts));
  }

  private async findOrRegister(
    config: StepConfig,
    family: string,
    job: JobSpec,
    size: ContainerSize,
    mounts: EfsMount[],
  ): Promise<string> {
    try {
      const { taskDefinition } = await ecsClient().send(
        new DescribeTaskDefinitionCommand({ taskDefinition: family }),
      );
      if (taskDefinition?.status === 'ACTIVE' && taskDefinition.taskDefinitionArn) {
        return taskDefinition.taskDefinitionArn;
      }
    } catch (error) {
      // ECS answers a family it has never seen (or has only inactive revisions of) with ClientException.
      if (!(error instanceof ClientException)) throw error;
    }

    const volumeKeys = [...new Set(mounts.map(volumeKey))];
    const volumes = await Promise.all(
      volumeKeys.map(async (key, index) => {
        const mount = mounts.find((candidate) => volumeKey(candidate) === key)!;
        return {
          name: `efs${index}`,
          efsVolumeConfiguration: {
            // No rootDirectory: the access point's root is the volume's root.
            fileSystemId: mount.fileSystemId,
            transitEncryption: 'ENABLED' as const,
            // IAM authorisation: the task role's elasticfilesystem:Client* permissions decide access.
            authorizationConfig: {
              accessPointId: await this.accessPointOf(mount.fileSystemId, mount.path),
              iam: 'ENABLED' as const,
            },
          },
        };
      }),
    );

    const { taskDefinition } = await ecsClient().send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: String(size.cpu),
        memory: String(size.memory),
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: config.architecture },
        executionRoleArn: config.executionRoleArn,
        taskRoleArn: config.taskRoleArn,
        containerDefinitions: [
          {
            name: STEP_CONTAINER_NAME,
            image: job.dockerEnv,
            entryPoint: STEP_ENTRY_POINT,
            essential: true,
            // The step runs in its main fs, as the local executor and PaddleFlow's pods do (overrides cannot set it).
            ...(job.workDir === undefined ? {} : { workingDirectory: job.workDir }),
            logConfiguration: {
              logDriver: 'awslogs',
              // A task's stream is `<prefix>/<container>/<task id>` = `step/step/<task id>` (the log store reads it).
              options: {
                'awslogs-group': config.logGroup,
                'awslogs-region': config.region,
                'awslogs-stream-prefix': 'step',
              },
            },
            mountPoints: mounts.map((mount) => ({
              sourceVolume: `efs${volumeKeys.indexOf(volumeKey(mount))}`,
              containerPath: mount.mountPath,
              readOnly: mount.readOnly,
            })),
          },
        ],
        volumes,
        tags: [{ key: 'floe:component', value: 'step' }],
      }),
    );
    if (!taskDefinition?.taskDefinitionArn) throw new Error(`ECS registered ${family} without an ARN`);
    return taskDefinition.taskDefinitionArn;
  }

  /** The access point on `path` of the file system, created on first use and waited for until `available`. */
  private accessPointOf(fileSystemId: string, path: string): Promise<string> {
    // 64 hex: EFS takes a token of up to 64 ASCII characters.
    const token = sha256Hex(JSON.stringify([fileSystemId, path]));
    return shared(this.accessPoints, token, async () =>
      this.whenAvailable(await createAccessPoint(fileSystemId, path, token)),
    );
  }

  /** Polls a `creating` access point until it is `available` (bounded); an unknown state is looked up at once. */
  private async whenAvailable(accessPoint: { id: string; state?: string }): Promise<string> {
    let state = accessPoint.state;
    for (let poll = 0; ; poll++) {
      if (state === 'available') return accessPoint.id;
      if (state !== undefined && state !== 'creating') {
        throw new Error(`EFS access point ${accessPoint.id} is ${state}, not available`);
      }
      if (poll === ACCESS_POINT_POLLS) {
        throw new Error(
          `EFS access point ${accessPoint.id} is still creating after ${ACCESS_POINT_POLLS} polls`,
        );
      }
      if (state === 'creating') await this.sleep(ACCESS_POINT_POLL_MS);
      const { AccessPoints } = await efsClient().send(
        new DescribeAccessPointsCommand({ AccessPointId: accessPoint.id }),
      );
      state = AccessPoints?.[0]?.LifeCycleState ?? 'missing';
    }
  }
}

/**
 * Creates the access point for the token. EFS answers a new one with its description, `creating`; a create
 * that repeats a token EFS has seen is refused with AccessPointAlreadyExists, which names the existing access
 * point (its state then unknown until described). Should the refusal not name it, it is found by its token.
 */
async function createAccessPoint(
  fileSystemId: string,
  path: string,
  token: string,
): Promise<{ id: string; state?: string }> {
  try {
    const created = await efsClient().send(
      new CreateAccessPointCommand({
        ClientToken: token,
        FileSystemId: fileSystemId,
        // EFS makes the directory on first mount when it is missing: owned by root, like a fresh PaddleFlow fs.
        RootDirectory: { Path: path, CreationInfo: { OwnerUid: 0, OwnerGid: 0, Permissions: '755' } },
        Tags: [{ Key: 'floe:component', Value: 'step-volume' }],
      }),
    );
    if (!created.AccessPointId)
      throw new Error(`EFS created an access point on ${fileSystemId} without an id`);
    return { id: created.AccessPointId, state: created.LifeCycleState };
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'AccessPointAlreadyExists') throw error;
    const id = (error as { AccessPointId?: string }).AccessPointId;
    return { id: id || (await accessPointByToken(fileSystemId, token)) };
  }
}

async function accessPointByToken(fileSystemId: string, token: string): Promise<string> {
  let NextToken: string | undefined;
  do {
    const page = await efsClient().send(
      new DescribeAccessPointsCommand({ FileSystemId: fileSystemId, NextToken }),
    );
    const found = page.AccessPoints?.find((point) => point.ClientToken === token);
    if (found?.AccessPointId) return found.AccessPointId;
    NextToken = page.NextToken;
  } while (NextToken);
  throw new Error(
    `EFS says an access point on ${fileSystemId} has client token ${token}, but none is listed`,
  );
}

/** The promise in `cache` for `key`, made once; a failure is forgotten, so the next call tries again. */
function shared(
  cache: Map<string, Promise<string>>,
  key: string,
  make: () => Promise<string>,
): Promise<string> {
  let promise = cache.get(key);
  if (!promise) {
    promise = make();
    cache.set(key, promise);
    promise.catch(() => cache.delete(key));
  }
  return promise;
}

let placer: EcsContainerPlacer | undefined;

/** The container's placer: its registry cache lives as long as the container. */
export const ecsContainerPlacer = () => (placer ??= new EcsContainerPlacer());
