/**
 * Who starts a job's process. Starting a child costs its parent time in proportion to the parent's memory (the
 * kernel copies its page tables), and the local runtime's one thread is large and busy: measured, 7–8 ms of
 * that thread per step at 400 MB. `LauncherProcess` hands the spawning to a small helper process instead (its
 * own spawns cost ~1 ms, on another core), which is what the runtime uses; `inProcessLauncher` spawns here.
 * Either way the job runs in its own process group, so the caller stops it by signalling `-pid`.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface LaunchRequest {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Appended to, with stdout and stderr both. */
  logFile: string;
}

export interface LaunchExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface Launched {
  /** Resolves with the process id (also its group id), or undefined when it never started. */
  pid: Promise<number | undefined>;
  exit: Promise<LaunchExit>;
}

export interface Launcher {
  launch(request: LaunchRequest): Launched;
}

/** Spawns a detached child with both output streams appended to the log. */
export function spawnLogged(request: LaunchRequest, onExit: (exit: LaunchExit) => void): number | undefined {
  let log: number;
  try {
    log = openSync(request.logFile, 'a');
  } catch (error) {
    onExit({ code: null, signal: null, error: error as Error });
    return undefined;
  }
  try {
    const child = spawn(request.file, request.args, {
      detached: true,
      env: request.env,
      stdio: ['ignore', log, log],
    });
    let settled = false;
    const settle = (exit: LaunchExit) => {
      if (settled) return;
      settled = true;
      onExit(exit);
    };
    child.once('error', (error) => settle({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => settle({ code, signal }));
    return child.pid;
  } catch (error) {
    // Arguments Node refuses outright (a NUL byte in the command or the environment).
    onExit({ code: null, signal: null, error: error as Error });
    return undefined;
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(log);
  }
}

export const inProcessLauncher: Launcher = {
  launch(request) {
    const exit = Promise.withResolvers<LaunchExit>();
    const pid = spawnLogged(request, exit.resolve);
    return { pid: Promise.resolve(pid), exit: exit.promise };
  },
};

type LauncherReply =
  | { type: 'spawned'; id: number; pid: number | undefined }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null; error?: string };

interface Pending {
  pid: (pid: number | undefined) => void;
  exit: (exit: LaunchExit) => void;
}

/** The helper process (launcher-process.ts), started once and shared by every job. */
export class LauncherProcess implements Launcher {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private gone: Error | undefined;

  constructor() {
    // Plain Node (types stripped natively), not tsx: the helper stays small, so its own spawns stay cheap.
    this.child = fork(new URL('./launcher-process.ts', import.meta.url), [], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child.on('message', (reply: LauncherReply) => this.receive(reply));
    this.child.once('exit', (code, signal) =>
      this.fail(new Error(`the step launcher exited (${code ?? signal})`)),
    );
  }

  launch(request: LaunchRequest): Launched {
    const id = this.nextId++;
    const pid = Promise.withResolvers<number | undefined>();
    const exit = Promise.withResolvers<LaunchExit>();
    this.pending.set(id, { pid: pid.resolve, exit: exit.resolve });
    if (this.gone) this.settle(id, { code: null, signal: null, error: this.gone });
    else this.child.send({ id, ...request });
    return { pid: pid.promise, exit: exit.promise };
  }

  /** Stops the helper; jobs it started die with it (bwrap's --die-with-parent). */
  close(): void {
    this.gone ??= new Error('the step launcher was closed');
    this.child.kill('SIGTERM');
  }

  private receive(reply: LauncherReply) {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.type === 'spawned') {
      pending.pid(reply.pid);
      return;
    }
    this.settle(reply.id, {
      code: reply.code,
      signal: reply.signal,
      ...(reply.error === undefined ? {} : { error: new Error(reply.error) }),
    });
  }

  private settle(id: number, exit: LaunchExit) {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.pid(undefined);
    pending.exit(exit);
  }

  private fail(error: Error) {
    this.gone ??= error;
    for (const id of [...this.pending.keys()]) this.settle(id, { code: null, signal: null, error });
  }
}
