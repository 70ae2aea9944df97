/**
 * Finding a usable sandbox for local steps: bubblewrap (`bwrap`) on the PATH that actually runs here (it needs
 * to be root or to have user namespaces). Checked once per PATH and cached. There is no fallback: a step that
 * cannot be sandboxed fails with the reason, never runs unsandboxed.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export type SandboxProbe = { ok: true; bwrap: string } | { ok: false; reason: string };

const FIX = 'run `sh scripts/setup-sandbox.sh` (as root; on Debian/Ubuntu: apt-get install bubblewrap)';

const cache = new Map<string, Promise<SandboxProbe>>();

/** The first executable `name` on `pathEnv`, or null. */
export async function findOnPath(name: string, pathEnv: string): Promise<string | null> {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}

async function probe(pathEnv: string): Promise<SandboxProbe> {
  const bwrap = await findOnPath('bwrap', pathEnv);
  if (bwrap === null) {
    return { ok: false, reason: `no sandbox: bubblewrap (bwrap) is not installed; ${FIX}` };
  }
  // The features a step uses: binds, its own /proc and /dev, a pid namespace.
  const args = [
    '--ro-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--unshare-pid',
    '--die-with-parent',
  ];
  const error = await new Promise<string | null>((resolve) => {
    execFile(bwrap, [...args, 'true'], { timeout: 10_000 }, (failure, _stdout, stderr) => {
      if (failure === null) resolve(null);
      else resolve(String(stderr).trim() || failure.message);
    });
  });
  if (error !== null) {
    return {
      ok: false,
      reason:
        `no sandbox: bubblewrap (${bwrap}) does not work here: ${error}; it needs root or unprivileged user ` +
        'namespaces (sysctl kernel.unprivileged_userns_clone=1, or in a container --security-opt ' +
        'seccomp=unconfined and apparmor=unconfined)',
    };
  }
  return { ok: true, bwrap };
}

/** A usable bwrap on `pathEnv` (default: this process's PATH), checked once and cached. */
export function findSandbox(pathEnv: string = process.env.PATH ?? ''): Promise<SandboxProbe> {
  let found = cache.get(pathEnv);
  if (found === undefined) {
    found = probe(pathEnv);
    cache.set(pathEnv, found);
  }
  return found;
}
