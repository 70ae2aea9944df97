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
 * EFS volumes mount through an access point on the fs path (the `efs://<fs-id>/<path>` of the fs): see
 * efs-access-points.ts.
 */
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { SMALLEST_SIZE } from '../engine/run/fargate-size.ts';
import { sha256Hex } from '../engine/run/ids.ts';
import type { ContainerSize, JobSpec } from '../engine/run/model.ts';
import { STEP_CONTAINER_NAME } from '../machines/node-machine.ts';
import { traced } from '../observability/tracer.ts';
import { EfsAccessPoints } from './efs-access-points.ts';
import type { ContainerPlacement, ContainerPlacer } from './ports.ts';
import { shared } from './promise-cache.ts';
import { type StepConfig, stepConfigFromEnv } from './step-config.ts';

let ecs: ECSClient | undefined;
/** One client per container, made on first use. */
const ecsClient = () => (ecs ??= traced(new ECSClient({})));

/**
 * The step container's entry point: the NodeMachine's override `Command` is the job's command alone, which
 * this runs. ECS's `Command` replaces only the image's CMD, so without an entry point of Floe's an image with
 * an ENTRYPOINT would get the command as that entry point's arguments (PaddleFlow's `command` replaces it on
 * Kubernetes). `sh`, not `bash`: many images (alpine, busybox, slim distributions) have no bash, and every
 * image a shell command can run in has a POSIX sh. Locally the job runs under bash where there is one
 * (infra/local/executor/process-executor.ts).
 */
export const STEP_ENTRY_POINT = ['sh', '-c'];

/** ECS `startedBy` takes up to 36 letters, digits, `-` and `_`: `floe-` and 31 hex of the job id. */
export const startedByOf = (jobId: string) => `floe-${sha256Hex(jobId).slice(0, 31)}`;

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

export interface EcsContainerPlacerOptions {
  /** The wait between polls of an access point still being created (tests pass a quick one). */
  sleep?: (ms: number) => Promise<void>;
}

export class EcsContainerPlacer implements ContainerPlacer {
  private config: StepConfig | undefined;
  /** family → its task definition ARN; the promise, so concurrent placements share one registration. */
  private readonly definitions = new Map<string, Promise<string>>();
  private readonly accessPoints: EfsAccessPoints;

  constructor(options: EcsContainerPlacerOptions = {}) {
    this.accessPoints = new EfsAccessPoints(
      options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    );
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
    // A step without a flavour gets Fargate's smallest size.
    const size = job.size ?? SMALLEST_SIZE;
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
              accessPointId: await this.accessPoints.of(mount.fileSystemId, mount.path),
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
}

let placer: EcsContainerPlacer | undefined;

/** The container's placer: its registry cache lives as long as the container. */
export const ecsContainerPlacer = () => (placer ??= new EcsContainerPlacer());
