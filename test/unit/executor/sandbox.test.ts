import { describe, expect, it } from 'vitest';
import {
  checkMountPath,
  type HostEntry,
  type HostView,
  planMounts,
  SandboxError,
  sandboxArgs,
} from '../../../infra/local/executor/sandbox.ts';
import type { MountView } from '../../../shared/engine/run/model.ts';

/** A host tree: directory → entries. */
const fakeHost = (tree: Record<string, HostEntry[]>): HostView => ({ list: (dir) => tree[dir] ?? null });
const dir = (name: string): HostEntry => ({ name, type: 'dir' });
const file = (name: string): HostEntry => ({ name, type: 'file' });
const link = (name: string, target: string): HostEntry => ({ name, type: 'symlink', target });

const host = fakeHost({
  '/': [
    link('bin', 'usr/bin'),
    link('lib64', 'usr/lib64'),
    dir('usr'),
    dir('etc'),
    dir('home'),
    dir('root'),
    dir('proc'),
    dir('dev'),
    dir('sys'),
    dir('tmp'),
    dir('data'),
    file('.dockerenv'),
    link('home2', '/var/home2'),
    dir('var'),
  ],
  '/home': [dir('alice'), dir('cloud')],
  '/home2': [dir('bob')],
  '/data': [dir('x'), dir('y'), link('z', '/elsewhere')],
  '/data/x': [dir('inner')],
});

const MNT = '/home/paddleflow/storage/mnt';
const mount = (id: string, mountPath: string, extra: Partial<MountView> = {}): MountView => ({
  id,
  name: id.replace(/^fs-root-/, ''),
  mountPath,
  subPath: '',
  readOnly: false,
  ...extra,
});
const roots = {
  'fs-root-main': '/srv/fs/main',
  'fs-root-extra': '/srv/fs/extra',
  'fs-root-more': '/srv/fs/more',
};

/** The option triples/pairs of an argument list, as strings, for readable assertions. */
function options(args: string[]): string[] {
  const arity: Record<string, number> = {
    '--ro-bind-try': 2,
    '--ro-bind': 2,
    '--bind': 2,
    '--symlink': 2,
    '--proc': 1,
    '--dev': 1,
    '--tmpfs': 1,
    '--chdir': 1,
    '--unshare-pid': 0,
    '--die-with-parent': 0,
  };
  const out: string[] = [];
  for (let i = 0; i < args.length; ) {
    const name = args[i]!;
    const n = arity[name];
    if (n === undefined) throw new Error(`unexpected argument ${name}`);
    out.push([name, ...args.slice(i + 1, i + 1 + n)].join(' '));
    i += 1 + n;
  }
  return out;
}

const build = (mounts: MountView[], workDir?: string, hide?: string[]) =>
  options(sandboxArgs({ binds: planMounts(mounts, roots), workDir, hide }, host));

describe('sandbox arguments', () => {
  it('gives the main fs and an extra fs at their mount paths, the rest of the host read-only', () => {
    const args = build(
      [
        mount('fs-root-main', `${MNT}/fs-root-main`),
        mount('fs-root-extra', `${MNT}/fs-root-extra`, { readOnly: true }),
      ],
      `${MNT}/fs-root-main`,
    );
    expect(args).toEqual([
      '--unshare-pid',
      '--die-with-parent',
      '--ro-bind-try /.dockerenv /.dockerenv',
      '--symlink usr/bin /bin',
      '--ro-bind-try /data /data',
      '--ro-bind-try /etc /etc',
      // /home is on the way to the mount paths: recreated from its children.
      '--ro-bind-try /home/alice /home/alice',
      '--ro-bind-try /home/cloud /home/cloud',
      '--symlink /var/home2 /home2',
      '--symlink usr/lib64 /lib64',
      '--ro-bind-try /root /root',
      '--ro-bind-try /usr /usr',
      '--ro-bind-try /var /var',
      '--proc /proc',
      '--dev /dev',
      '--tmpfs /tmp',
      `--bind /srv/fs/main ${MNT}/fs-root-main`,
      `--ro-bind /srv/fs/extra ${MNT}/fs-root-extra`,
      `--chdir ${MNT}/fs-root-main`,
    ]);
  });

  it('never takes /proc, /dev, /sys or /tmp from the host, and works in /tmp without a working directory', () => {
    const args = build([mount('fs-root-main', '/data/x/inner/deep')]);
    expect(args.filter((a) => /\/(proc|dev|sys|tmp)\b/.test(a))).toEqual([
      '--proc /proc',
      '--dev /dev',
      '--tmpfs /tmp',
      '--chdir /tmp',
    ]);
  });

  it('recreates every host ancestor along the path, skipping the mount point itself', () => {
    const args = build([mount('fs-root-main', '/data/x/inner')]);
    expect(args).not.toContain('--ro-bind-try /data /data');
    expect(args).not.toContain('--ro-bind-try /data/x /data/x');
    // /data/x/inner exists on the host, but the mount takes its place.
    expect(args).not.toContain('--ro-bind-try /data/x/inner /data/x/inner');
    expect(args).toContain('--ro-bind-try /data/y /data/y');
    expect(args).toContain('--symlink /elsewhere /data/z');
    expect(args).toContain('--bind /srv/fs/main /data/x/inner');
  });

  it('does not bind a top-level host entry that is a mount path', () => {
    const args = build([mount('fs-root-main', '/data')]);
    expect(args.filter((a) => a.includes('/data'))).toEqual(['--bind /srv/fs/main /data']);
  });

  it('adds nothing for ancestors missing on the host', () => {
    const args = build([mount('fs-root-main', '/nowhere/a/b')]);
    expect(args.filter((a) => a.includes('/nowhere'))).toEqual(['--bind /srv/fs/main /nowhere/a/b']);
    // /home exists but /home/paddleflow does not: /home's own children are still there.
    const home = build([mount('fs-root-main', `${MNT}/x`)]);
    expect(home.filter((a) => a.includes('/home/'))).toEqual([
      '--ro-bind-try /home/alice /home/alice',
      '--ro-bind-try /home/cloud /home/cloud',
      `--bind /srv/fs/main ${MNT}/x`,
    ]);
  });

  it('recreates an ancestor that is a symbolic link on the host as a directory', () => {
    const args = build([mount('fs-root-main', '/home2/pf')]);
    expect(args).not.toContain('--symlink /var/home2 /home2');
    expect(args).toContain('--ro-bind-try /home2/bob /home2/bob');
  });

  it('binds a parent mount before the mounts nested in it, and does not recreate the parent from the host', () => {
    const args = build([
      mount('fs-root-extra', '/data/x/inner/sub', { readOnly: true }),
      mount('fs-root-main', '/data/x'),
    ]);
    const parent = args.indexOf('--bind /srv/fs/main /data/x');
    const child = args.indexOf('--ro-bind /srv/fs/extra /data/x/inner/sub');
    expect(parent).toBeGreaterThan(-1);
    expect(child).toBeGreaterThan(parent);
    // /data/x/inner lies in the main fs: not taken from the host.
    expect(args.some((a) => a.includes('/data/x/inner '))).toBe(false);
    expect(args).toContain('--ro-bind-try /data/y /data/y');
  });

  it('lets bwrap create mount points in its private /tmp', () => {
    const args = build([mount('fs-root-main', '/tmp/work/fs')]);
    expect(args.indexOf('--bind /srv/fs/main /tmp/work/fs')).toBeGreaterThan(args.indexOf('--tmpfs /tmp'));
    expect(args.some((a) => a.startsWith('--ro-bind-try /tmp'))).toBe(false);
  });

  it('hides host paths behind an empty tmpfs before the mounts', () => {
    const args = build([mount('fs-root-main', '/data/x')], undefined, ['/root/.floe/']);
    const hidden = args.indexOf('--tmpfs /root/.floe');
    expect(hidden).toBeGreaterThan(args.indexOf('--ro-bind-try /root /root'));
    expect(hidden).toBeLessThan(args.indexOf('--bind /srv/fs/main /data/x'));
  });
});

describe('planning mounts', () => {
  it('joins the host root with the subPath and keeps read-only', () => {
    expect(
      planMounts(
        [
          mount('fs-root-main', `${MNT}/fs-root-main/`, { subPath: 'a/b/' }),
          mount('fs-root-extra', '/extra', { subPath: '/c', readOnly: true }),
        ],
        roots,
      ),
    ).toEqual([
      { fsId: 'fs-root-extra', source: '/srv/fs/extra/c', target: '/extra', readOnly: true },
      { fsId: 'fs-root-main', source: '/srv/fs/main/a/b', target: `${MNT}/fs-root-main`, readOnly: false },
    ]);
  });

  it('counts the same mount twice once, and refuses two different mounts at one path', () => {
    const main = mount('fs-root-main', '/m');
    expect(planMounts([main, { ...main }], roots)).toHaveLength(1);
    expect(() => planMounts([main, mount('fs-root-extra', '/m')], roots)).toThrow(/two file systems .*"\/m"/);
    expect(() => planMounts([main, { ...main, readOnly: true }], roots)).toThrow(SandboxError);
  });

  it('refuses a subPath with .. and an fs without a local directory', () => {
    expect(() => planMounts([mount('fs-root-main', '/m', { subPath: '../other' })], roots)).toThrow(
      /must not contain/,
    );
    expect(() => planMounts([mount('fs-root-nope', '/m')], roots)).toThrow(/no local directory for fs/);
    expect(() => planMounts([mount('fs-root-main', '/m')], { 'fs-root-main': 'relative/dir' })).toThrow(
      /not absolute/,
    );
  });

  it.each([
    'mnt/x',
    '',
    '/',
    '/proc',
    '/proc/self',
    '/dev/shm',
    '/sys/fs',
    '/usr',
    '/usr/local/data',
    '/etc/x',
    '/bin/x',
    '/sbin',
    '/lib/x',
    '/lib64/x',
    '/lib32',
    '/home/../etc/x',
    '/home/a/../../usr',
  ])('refuses the mount path "%s"', (path) => {
    expect(() => checkMountPath(path)).toThrow(SandboxError);
    expect(() => planMounts([mount('fs-root-main', path)], roots)).toThrow(SandboxError);
  });

  it.each([
    ['/usrdata/x', '/usrdata/x'],
    ['/etcetera', '/etcetera'],
    ['/home//pf/./mnt/', '/home/pf/mnt'],
    ['/tmp', '/tmp'],
  ])('accepts the mount path "%s"', (path, normal) => {
    expect(checkMountPath(path)).toBe(normal);
  });

  it('refuses a relative working directory', () => {
    expect(() => sandboxArgs({ binds: [], workDir: 'rel' }, host)).toThrow(/not absolute/);
  });
});
