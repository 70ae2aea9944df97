/** What the local executors share about the child processes they start (each in a process group of its own). */

/** The host's PATH for a child, or the usual one when this process has none. */
export const hostPathEnv = (): string =>
  process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Signals a child's whole process group (it was started detached, so its pid is the group's id). */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
