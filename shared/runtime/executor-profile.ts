/**
 * What the executor of container steps can run, which run creation checks every run against: which file
 * systems a step can mount, and how a flavour becomes a size. Chosen by `FLOE_EXECUTOR`, read on every call:
 *
 * - `fargate` (set by the CDK stack on every function that creates runs): steps are ECS Fargate tasks. They
 *   mount `efs://` file systems, and only those whose EFS file system id is in `FLOE_EFS_FILE_SYSTEMS` (a
 *   comma list: the stack grants the step task role access to exactly those). A flavour becomes the
 *   smallest Fargate task size at or above it; one Fargate cannot serve (GPUs, over 16 vCPU or 120 GB) is
 *   refused.
 * - anything else, or unset (`npm start`): steps are local processes. They mount `local://` file systems
 *   only, and have no size.
 */
import { splitCommaList } from '../engine/comma-list.ts';
import { type FargateSizing, type FlavourResources, fargateSizeOf } from '../engine/run/fargate-size.ts';
import type { FileSystemRecord } from '../store/filesystems.ts';

/** What a mount check needs of a file system (an efs fs's server address is its EFS file system id). */
export type MountableFs = Pick<FileSystemRecord, 'name' | 'type' | 'serverAddress'>;

export interface ExecutorProfile {
  kind: 'local' | 'fargate';
  /** Why steps here cannot mount `fs`, naming it, its type and what they can mount; undefined when they can. */
  mountRefusal(fs: MountableFs): string | undefined;
  /** The size a flavour's steps run with, or why none serves; absent when steps have no size (local). */
  sizeOf?: (flavour: FlavourResources) => FargateSizing;
}

const local: ExecutorProfile = {
  kind: 'local',
  mountRefusal: (fs) =>
    fs.type === 'local'
      ? undefined
      : `fs[${fs.name}] is a ${fs.type} file system; steps here can only mount local:// file systems`,
};

function fargate(efsFileSystems: readonly string[]): ExecutorProfile {
  const allowed =
    efsFileSystems.length > 0
      ? `they can only mount efs:// file systems of [${efsFileSystems.join(', ')}]`
      : 'no efs:// file system is configured for them here';
  return {
    kind: 'fargate',
    mountRefusal(fs) {
      if (fs.type !== 'efs')
        return `fs[${fs.name}] is a ${fs.type} file system; steps run on Fargate here, and ${allowed}`;
      if (efsFileSystems.includes(fs.serverAddress)) return undefined;
      return `fs[${fs.name}] is an efs file system of ${fs.serverAddress}, which steps on Fargate here cannot mount; ${allowed}`;
    },
    sizeOf: fargateSizeOf,
  };
}

/** The profile the environment chooses (read now: tests and the local runtime may change it). */
export function executorProfile(env: NodeJS.ProcessEnv = process.env): ExecutorProfile {
  if (env.FLOE_EXECUTOR?.trim() !== 'fargate') return local;
  return fargate(splitCommaList(env.FLOE_EFS_FILE_SYSTEMS));
}
