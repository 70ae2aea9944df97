/**
 * Where things are (§3.6): output artifacts' fs paths, the same paths as a step sees them in its container,
 * and the file systems a step mounts. PaddleFlow: `GenerateOutAtfPath` (pkg/pipeline/common/resourceHandler.go)
 * and the job builder's mounts.
 */
import { posix } from 'node:path';
import { splitCommaList } from '../comma-list.ts';
import type { FsMount, PipelineSpec, StepSpec } from '../spec/model.ts';
import { md5Hex } from './ids.ts';
import type { MountView, NodeState, RunContext } from './model.ts';
import { isPostKey, POST_PREFIX } from './tree.ts';

const trimSlashes = (path: string) => path.replace(/^\/+|\/+$/g, '');

/**
 * PaddleFlow's runtime name: `<ppl>.entry_points.<dag path…>.<step>`, each looped level with `-<seq>` when
 * seq > 0 (so `dag1[2].train[0]` is `dag1-2.train`); the post-process step is `<ppl>.post_process.<step>`.
 */
function runtimeName(spec: PipelineSpec, node: NodeState): string {
  if (isPostKey(node.key)) return `${spec.name}.post_process.${node.key.slice(POST_PREFIX.length)}`;
  const path = node.key.replace(/\[(\d+)\]/g, (_, n: string) => (n === '0' ? '' : `-${n}`));
  return `${spec.name}.entry_points.${path}`;
}

/** `[<sub_path>/].pipeline/<runID>/<ppl>/<step>-<seq>-<md5(runtime name)>/<artifact>`, on the main fs. */
export function outputFsPath(
  spec: PipelineSpec,
  context: RunContext,
  node: NodeState,
  artifact: string,
): string {
  const subPath = trimSlashes(context.mainFs?.subPath ?? '');
  const dir = `${node.name}-${node.seq}-${md5Hex(runtimeName(spec, node))}`;
  return `${subPath ? `${subPath}/` : ''}.pipeline/${context.runId}/${spec.name}/${dir}/${artifact}`;
}

/** An fs path of the main fs as the step sees it: under the mount path, with the sub_path prefix taken off. */
function containerPath(context: RunContext, fsPath: string): string {
  const mainFs = context.mainFs;
  if (!mainFs) return fsPath;
  const subPath = trimSlashes(mainFs.subPath);
  const relative = subPath && fsPath.startsWith(`${subPath}/`) ? fsPath.slice(subPath.length + 1) : fsPath;
  return `${mainFs.mountPath.replace(/\/+$/, '')}/${relative}`;
}

/** Comma lists (a looped upstream's paths) stay comma lists, each path translated. */
export const containerPaths = (context: RunContext, paths: string) =>
  splitCommaList(paths)
    .map((path) => containerPath(context, path))
    .join(',');

export const DEFAULT_MOUNT_ROOT = '/home/paddleflow/storage/mnt';

/**
 * Where an `efs://` fs's mount is on its EFS file system: the fs URL's path joined with the mount's sub_path,
 * which cannot climb out of it (`..` stops at the fs's own path).
 */
export function efsMountOf(
  root: { fileSystemId: string; path: string },
  subPath: string,
): NonNullable<MountView['efs']> {
  const path = posix.join(root.path, posix.normalize(`/${subPath}`)).replace(/(.)\/+$/, '$1');
  return { fileSystemId: root.fileSystemId, path };
}

/** A mount of the run's fs as the step sees it (its id, where it is, and on EFS what it is there). */
export function mountViewOf(context: RunContext, mount: FsMount): MountView {
  const id = context.fsIds[mount.name] ?? '';
  const subPath = mount.subPath ?? '';
  const efs = context.efs?.[mount.name];
  return {
    id,
    name: mount.name,
    mountPath: mount.mountPath ?? `${DEFAULT_MOUNT_ROOT}/${id}`,
    subPath,
    readOnly: mount.readOnly,
    ...(efs ? { efs: efsMountOf(efs, subPath) } : {}),
  };
}

/** The main fs, then the pipeline's extra_fs, then the step's own. */
export function mountsOf(spec: PipelineSpec, context: RunContext, step: StepSpec): MountView[] {
  return [
    ...(context.mainFs ? [context.mainFs] : []),
    ...spec.fsOptions.extraFs.map((mount) => mountViewOf(context, mount)),
    ...step.extraFs.map((mount) => mountViewOf(context, mount)),
  ];
}

/**
 * The step's working directory: the main fs mount path (or, without a main fs, the first extra fs's, as
 * PaddleFlow does), none when the step's env says `PF_MOUNT_PATH: NONE`.
 */
export function workDirOf(mounts: MountView[], env: Record<string, string>): string | undefined {
  if (env.PF_MOUNT_PATH === 'NONE') return undefined;
  return mounts[0]?.mountPath;
}
