import { mkdir, open, realpath, rm } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import type { JobSpec } from '../../../shared/engine/run/model.ts';
import { findOnPath, findSandbox, type SandboxProbe } from './find-sandbox.ts';
import { assertStaysInside, FsPathError, hostPath, inside } from './fs-paths.ts';
import { inProcessLauncher, type Launcher } from './launcher.ts';
import { hostPathEnv, killGroup } from './process-group.ts';
import { type HostView, planMounts, realHostView, type SandboxBind, sandboxArgs } from './sandbox.ts';

export interface RunJobOptions {
  /** fs id → the fs's root directory on this machine. */
  hostRoots: Record<string, string>;
  /** Where stdout and stderr go (appended; its directory is created). */
  logFile: string;
  /** Aborting stops the job: it then ends `terminated`. */
  signal: AbortSignal;
  /** How long SIGTERM has before SIGKILL; 3 s by default. */
  killGraceMs?: number;
  /** Host paths the job must not see (an empty tmpfs over each); they must exist. */
  hide?: string[];
  /** The sandbox to use; by default the one `findSandbox()` finds. */
  sandbox?: SandboxProbe;
  /** The host's file tree; the real one by default. */
  host?: HostView;
  /** Who starts the process; in this process by default. */
  launcher?: Launcher;
  /** Called with the process id (also the process group id) of the sandbox once it runs. */
  onSpawn?: (pid: number) => void;
}

export interface JobResult {
  status: 'succeeded' | 'failed' | 'terminated';
  /** PaddleFlow's jobMessage: free text. */
  message: string;
}

export const STOPPED_MESSAGE = 'job was stopped';

const failed = (message: string): JobResult => ({ status: 'failed', message });

/** Make each bind's host directory, refusing a subPath that a symbolic link leads out of its fs. */
async function prepareBinds(binds: SandboxBind[], hostRoots: Record<string, string>): Promise<SandboxBind[]> {
  const prepared: SandboxBind[] = [];
  for (const bind of binds) {
    const root = hostRoots[bind.fsId]!;
    await mkdir(root, { recursive: true });
    const realRoot = await assertStaysInside(root, bind.source, bind.source);
    await mkdir(bind.source, { recursive: true });
    const source = await realpath(bind.source);
    if (!inside(realRoot, source)) {
      throw new FsPathError(`the subPath of fs ${bind.fsId} leads outside it through a symbolic link`);
    }
    prepared.push({ ...bind, source });
  }
  return prepared;
}

/** Empty each output path (relative to the main fs root) and create its parent directory. */
async function prepareOutputs(job: JobSpec, hostRoots: Record<string, string>): Promise<void> {
  if (job.outputPaths.length === 0) return;
  const main = job.mounts[0];
  const root = main === undefined ? undefined : hostRoots[main.id];
  if (root === undefined) throw new FsPathError('the job has output artifacts but no main file system');
  for (const fsPath of job.outputPaths) {
    const path = hostPath(root, fsPath);
    if (relative(root, path) === '') throw new FsPathError(`output path "${fsPath}" is the fs root`);
    // The parent must stay in the fs; the path itself may be a link (removing it removes the link).
    await assertStaysInside(root, dirname(path), fsPath);
    await rm(path, { recursive: true, force: true });
    await mkdir(dirname(path), { recursive: true });
  }
}

/** The last line bwrap itself wrote to the log, if any: why the sandbox could not be set up. */
async function sandboxComplaint(logFile: string): Promise<string | undefined> {
  try {
    const file = await open(logFile, 'r');
    try {
      const { size } = await file.stat();
      const length = Math.min(size, 4096);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      const lines = buffer.toString('utf8').trimEnd().split('\n');
      const last = lines[lines.length - 1];
      return last?.startsWith('bwrap: ') ? last : undefined;
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}

const shells = new Map<string, Promise<string>>();

/**
 * bash where there is one (PaddleFlow's jobs run `bash -c`), else sh: looked up once per PATH. In AWS a step
 * runs as `sh -c` (its task definition's entry point, ecs-container-placer.ts), since many images have no
 * bash: a command that uses bash's own syntax (`[[ ]]`, arrays, `source`) may pass here and fail there where
 * sh is not bash (alpine's is busybox ash, Debian's dash).
 */
function shellOn(pathEnv: string): Promise<string> {
  let shell = shells.get(pathEnv);
  if (!shell) {
    shell = (async () =>
      (await findOnPath('bash', pathEnv)) ?? (await findOnPath('sh', pathEnv)) ?? '/bin/sh')();
    shells.set(pathEnv, shell);
  }
  return shell;
}

export async function runJob(job: JobSpec, options: RunJobOptions): Promise<JobResult> {
  const { signal } = options;
  if (signal.aborted) return { status: 'terminated', message: STOPPED_MESSAGE };

  const sandbox = options.sandbox ?? (await findSandbox());
  if (!sandbox.ok) return failed(sandbox.reason);

  let args: string[];
  try {
    const binds = await prepareBinds(planMounts(job.mounts, options.hostRoots), options.hostRoots);
    await prepareOutputs(job, options.hostRoots);
    args = sandboxArgs({ binds, workDir: job.workDir, hide: options.hide }, options.host ?? realHostView());
  } catch (error) {
    return failed(`preparing the job failed: ${(error as Error).message}`);
  }

  const pathEnv = hostPathEnv();
  const shell = await shellOn(pathEnv);
  const env: Record<string, string> = { PATH: pathEnv, HOME: '/tmp', ...job.env };

  try {
    await mkdir(dirname(options.logFile), { recursive: true });
  } catch (error) {
    return failed(`opening the log file failed: ${(error as Error).message}`);
  }
  if (signal.aborted) return { status: 'terminated', message: STOPPED_MESSAGE };

  const launched = (options.launcher ?? inProcessLauncher).launch({
    file: sandbox.bwrap,
    args: [...args, '--', shell, '-c', job.command],
    env,
    logFile: options.logFile,
  });
  let stopped = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    stopped = true;
    void launched.pid.then((pid) => {
      if (pid === undefined) return;
      killGroup(pid, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), options.killGraceMs ?? 3000);
    });
  };
  void launched.pid.then((pid) => {
    if (pid !== undefined) options.onSpawn?.(pid);
  });
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  const outcome = await launched.exit;
  signal.removeEventListener('abort', onAbort);
  if (graceTimer !== undefined) clearTimeout(graceTimer);
  const pid = await launched.pid;
  // Whatever of the group outlived the sandbox's own process goes too, once it was asked to stop.
  if (stopped && pid !== undefined) killGroup(pid, 'SIGKILL');

  if (stopped) return { status: 'terminated', message: STOPPED_MESSAGE };
  if (outcome.error !== undefined) return failed(`starting the job failed: ${outcome.error.message}`);
  if (outcome.code === 0) return { status: 'succeeded', message: '' };
  if (outcome.code !== null) {
    // bwrap exits 1 when it cannot set the sandbox up, and says why on stderr (that is, in the log).
    const complaint = outcome.code === 1 ? await sandboxComplaint(options.logFile) : undefined;
    return failed(
      complaint === undefined ? `exit code ${outcome.code}` : `sandbox setup failed: ${complaint}`,
    );
  }
  return failed(`killed by signal ${outcome.signal}`);
}
