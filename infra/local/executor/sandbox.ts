/**
 * The file-system view of a step run on this machine, as a bubblewrap (`bwrap`) argument list: what a
 * PaddleFlow job sees in its container, minus the image. Every mount of the job (main fs first, then the extra
 * fs) is bound at its mount path, read-only when asked; the rest of the host stays visible read-only (so the
 * host's PATH keeps working); /proc, /dev and a private /tmp are the sandbox's own; the step gets its own pid
 * namespace and dies with its parent.
 *
 * The root is not bound wholesale (`--ro-bind / /`): bwrap could then not create mount points that do not
 * exist on the host. The sandbox root is bwrap's tmpfs instead, each host top-level entry is bound on its own,
 * and a directory on the way to a mount path (`/home` for `/home/paddleflow/storage/mnt/x`) is recreated by
 * binding its host children one by one, so that bwrap can make the mount point in its tmpfs.
 *
 * Everything here is pure: the host is seen through a `HostView`, `realHostView()` being the real one.
 */
import { type Dirent, readdirSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import type { MountView } from '../../../shared/engine/run/model.ts';

/** One entry of a host directory. `target` is a symbolic link's text, as `readlink` returns it. */
export interface HostEntry {
  name: string;
  type: 'dir' | 'file' | 'symlink' | 'other';
  target?: string;
}

/** Read access to the host's directory tree. */
export interface HostView {
  /** The entries of a directory (following a symbolic link to it), or null when it is not one. */
  list(dir: string): HostEntry[] | null;
}

/** A bind of a host directory into the sandbox. */
export interface SandboxBind {
  /** The fs the bind comes from. */
  fsId: string;
  /** The host directory (the fs's root joined with the mount's subPath). */
  source: string;
  /** The absolute, normalized path inside the sandbox. */
  target: string;
  readOnly: boolean;
}

export interface SandboxInput {
  /** From `planMounts`: parents before the mounts nested in them. */
  binds: SandboxBind[];
  /** The working directory inside the sandbox; the sandbox's /tmp when absent. */
  workDir?: string;
  /** Host paths to hide behind an empty tmpfs (the data directory of the server, say). */
  hide?: string[];
}

/** Top-level host entries the sandbox does not take from the host: it has its own, or none. */
const NOT_FROM_HOST = new Set(['proc', 'dev', 'tmp', 'sys']);

/** Top-level directories a step may not mount over: the system the host's tools run on. */
const PROTECTED = /^\/(?:proc|dev|sys|usr|etc|bin|sbin|lib|lib32|lib64|libx32)(?:\/|$)/;

export class SandboxError extends Error {
  override name = 'SandboxError';
}

/**
 * A mount path as the sandbox uses it: absolute and normalized. Throws a `SandboxError` for a relative path,
 * one with `..`, the root itself, and paths under /proc, /dev, /sys, /usr, /etc, /bin, /sbin and /lib*.
 */
export function checkMountPath(path: string): string {
  if (!path.startsWith('/')) {
    throw new SandboxError(`mount path "${path}" is not absolute`);
  }
  if (path.split('/').includes('..')) {
    throw new SandboxError(`mount path "${path}" must not contain ".."`);
  }
  const normal = posix.normalize(path).replace(/\/+$/, '') || '/';
  if (normal === '/') {
    throw new SandboxError(`mount path "${path}" is the root directory`);
  }
  if (PROTECTED.test(normal)) {
    throw new SandboxError(
      `mount path "${path}" lies under a system directory (/proc, /dev, /sys, /usr, /etc, /bin, /sbin, /lib*)`,
    );
  }
  return normal;
}

/** `child` is `parent` or lies under it (both normalized and absolute). */
export const isUnder = (child: string, parent: string) =>
  child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);

const depth = (path: string) => path.split('/').length;

/**
 * The binds of a job's mounts: host source = the fs's host root joined with the mount's subPath. Checks every
 * mount path (see `checkMountPath`) and subPath (relative to the fs root, no `..`); the same fs at the same
 * path twice counts once, two different mounts at one path are refused. Sorted so that a mount comes before
 * the mounts nested in it.
 */
export function planMounts(mounts: MountView[], hostRoots: Record<string, string>): SandboxBind[] {
  const byTarget = new Map<string, SandboxBind>();
  for (const mount of mounts) {
    const root = hostRoots[mount.id];
    if (root === undefined || root === '') {
      throw new SandboxError(`no local directory for fs "${mount.name}" (${mount.id})`);
    }
    if (!posix.isAbsolute(root)) {
      throw new SandboxError(`the local directory of fs "${mount.name}" is not absolute: "${root}"`);
    }
    const subPath = mount.subPath ?? '';
    if (subPath.split('/').includes('..')) {
      throw new SandboxError(`subPath "${subPath}" of fs "${mount.name}" must not contain ".."`);
    }
    const target = checkMountPath(mount.mountPath);
    const source = posix.normalize(posix.join(root, subPath.replace(/^\/+/, ''))).replace(/(.)\/+$/, '$1');
    const bind: SandboxBind = { fsId: mount.id, source, target, readOnly: mount.readOnly };
    const previous = byTarget.get(target);
    if (previous === undefined) {
      byTarget.set(target, bind);
    } else if (previous.source !== source || previous.readOnly !== bind.readOnly) {
      throw new SandboxError(`two file systems are mounted at "${target}"`);
    }
  }
  // A stable sort by depth puts a parent before anything nested in it.
  return [...byTarget.values()].sort((a, b) => depth(a.target) - depth(b.target));
}

/**
 * The bwrap options (everything before `--`) for a job's binds. Host directories on the way to a mount path
 * are recreated from their children; every other host entry is bound read-only as it is (symbolic links as
 * symbolic links).
 */
export function sandboxArgs(input: SandboxInput, host: HostView): string[] {
  const targets = input.binds.map((bind) => bind.target);
  for (const target of targets) checkMountPath(target);
  const hide = (input.hide ?? []).map((path) => posix.normalize(path).replace(/(.)\/+$/, '$1'));
  for (const path of hide) {
    if (!posix.isAbsolute(path) || path === '/') throw new SandboxError(`cannot hide "${path}"`);
  }

  // Directories to recreate: the ancestors of mount paths that the sandbox would otherwise take whole from the
  // host. Not those inside another mount (that mount provides them), nor those in /tmp (a tmpfs already).
  const recreate = new Set<string>(['/']);
  for (const target of targets) {
    let dir = posix.dirname(target);
    while (dir !== '/') {
      if (!isUnder(dir, '/tmp') && !targets.some((other) => isUnder(dir, other))) recreate.add(dir);
      dir = posix.dirname(dir);
    }
  }

  const args = ['--unshare-pid', '--die-with-parent'];
  const bindHost = (dir: string) => {
    const entries = host.list(dir) ?? [];
    for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = posix.join(dir, entry.name);
      if (dir === '/' && NOT_FROM_HOST.has(entry.name)) continue;
      if (recreate.has(path)) {
        bindHost(path);
        continue;
      }
      if (targets.includes(path)) continue;
      if (entry.type === 'symlink' && entry.target !== undefined) {
        args.push('--symlink', entry.target, path);
      } else {
        // -try: an entry that vanished since it was listed is no reason to fail the step.
        args.push('--ro-bind-try', path, path);
      }
    }
  };
  bindHost('/');

  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  for (const path of hide) args.push('--tmpfs', path);
  for (const bind of input.binds) {
    args.push(bind.readOnly ? '--ro-bind' : '--bind', bind.source, bind.target);
  }
  const workDir = input.workDir === undefined || input.workDir === '' ? '/tmp' : input.workDir;
  if (!workDir.startsWith('/')) throw new SandboxError(`working directory "${workDir}" is not absolute`);
  args.push('--chdir', workDir);
  return args;
}

/** The host as it is. Each job lists a few host directories: their entries' types come with the listing. */
export function realHostView(): HostView {
  return {
    list(dir) {
      let dirents: Dirent[];
      try {
        dirents = readdirSync(dir, { withFileTypes: true });
      } catch {
        return null;
      }
      const entries: HostEntry[] = [];
      for (const dirent of dirents) {
        const { name } = dirent;
        if (!dirent.isSymbolicLink()) {
          entries.push({ name, type: dirent.isDirectory() ? 'dir' : dirent.isFile() ? 'file' : 'other' });
          continue;
        }
        try {
          entries.push({ name, type: 'symlink', target: readlinkSync(posix.join(dir, name)) });
        } catch {
          // Gone since it was listed.
        }
      }
      return entries;
    },
  };
}
