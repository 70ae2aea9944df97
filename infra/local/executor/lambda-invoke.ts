/**
 * A lambda step, locally: its `lambda.module` runs in a child Node process (lambda-child.ts) that imports it
 * and calls its `handler` with the payload, as Lambda's Node runtime would. The module's path is what the
 * step sees (absolute, or relative to its working directory), mapped to this machine the way the sandbox
 * binds the step's file systems. The child's stdout and stderr go to the job's log; its answer comes back on
 * its own channel (fd 3). Errors reach the NodeMachine as Lambda's reach Step Functions: named after the
 * error's type, with `{"errorMessage","errorType"}` as the cause. Aborting kills the child's process group.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobSpec } from '../../../shared/engine/run/model.ts';
import type { LambdaChildAnswer, LambdaChildRequest } from './lambda-child.ts';
import { hostPathEnv, killGroup } from './process-group.ts';
import { isUnder, planMounts } from './sandbox.ts';

const CHILD_SCRIPT = new URL('./lambda-child.ts', import.meta.url);

/** A failed invocation, as the Task's error: `name` is the error (type), `message` its cause. */
export class LambdaInvokeError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorMessage, errorType }));
    this.name = errorType;
  }
}

/** What the local runtime cannot do: it runs modules, and the step names none. */
export const NO_LOCAL_MODULE_ERROR = 'Floe.NoLocalModule';

export interface InvokeLambdaOptions {
  /** fs id → the fs's root directory on this machine. */
  hostRoots: Record<string, string>;
  /** Where the module's stdout and stderr go (appended; its directory is created). */
  logFile: string;
  signal: AbortSignal;
  /** Seconds the call may last (the context's remaining time counts down from it). */
  timeoutSeconds: number;
  /** Called with the child's process id (also its process group id) once it runs. */
  onSpawn?: (pid: number) => void;
}

/**
 * The host path of the module the step names: relative to its working directory, then through the deepest
 * mount it lies in; a path in no mount is the host's own (the sandbox shows the host as it is).
 */
export function hostModulePath(job: JobSpec, hostRoots: Record<string, string>): string {
  const module = job.lambda?.module;
  if (!module) {
    const named = job.lambda?.function
      ? ` (it names lambda.function [${job.lambda.function}], which AWS invokes)`
      : '';
    const error = new Error(
      `the local runtime runs lambda.module, and step [${job.stepName}] sets none${named}`,
    );
    error.name = NO_LOCAL_MODULE_ERROR;
    throw error;
  }
  if (!posix.isAbsolute(module) && !job.workDir)
    throw new Error(
      `lambda.module [${module}] is relative, but step [${job.stepName}] has no working directory`,
    );
  const inStep = posix.normalize(posix.isAbsolute(module) ? module : posix.join(job.workDir!, module));
  const bind = planMounts(job.mounts, hostRoots)
    .filter((candidate) => isUnder(inStep, candidate.target))
    .at(-1);
  return bind ? posix.join(bind.source, posix.relative(bind.target, inStep)) : inStep;
}

/** Runs the job's module to its answer: resolves with what its handler returned, or rejects as Lambda would. */
export async function invokeLambda(job: JobSpec, options: InvokeLambdaOptions): Promise<unknown> {
  const { signal } = options;
  const modulePath = hostModulePath(job, options.hostRoots);
  await mkdir(dirname(options.logFile), { recursive: true });
  signal.throwIfAborted();
  const request: LambdaChildRequest = {
    modulePath,
    payload: job.lambda?.payload ?? {},
    context: {
      functionName: job.lambda?.function || posix.basename(modulePath),
      awsRequestId: `${job.jobId}.${Date.now()}`,
      deadlineMs: Date.now() + options.timeoutSeconds * 1000,
    },
  };
  const log = openSync(options.logFile, 'a');
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(process.execPath, [fileURLToPath(CHILD_SCRIPT)], {
      detached: true,
      env: { PATH: hostPathEnv(), HOME: '/tmp', LANG: 'C.UTF-8' },
      stdio: ['pipe', log, log, 'pipe'],
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid !== undefined) options.onSpawn?.(pid);
  const onAbort = () => {
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Buffer[] = [];
  const channel = child.stdio[3] as NodeJS.ReadableStream;
  channel.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdin?.on('error', () => {});
  child.stdin?.end(JSON.stringify(request));
  const channelClosed = new Promise<void>((resolve) => {
    channel.once('close', () => resolve());
    channel.once('error', () => resolve());
  });
  try {
    const [code, exitSignal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (exitCode, bySignal) => resolve([exitCode, bySignal]));
      },
    );
    // Processes the module started may hold the channel open: they go with it (a Lambda environment freezes).
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
    await channelClosed;
    signal.throwIfAborted();
    const text = Buffer.concat(chunks).toString('utf8');
    if (text === '') {
      throw new LambdaInvokeError(
        'Runtime.ExitError',
        `the module's process ended (${code ?? exitSignal}) before its handler returned`,
      );
    }
    const answer = JSON.parse(text) as LambdaChildAnswer;
    if (!answer.ok) throw new LambdaInvokeError(answer.errorType, answer.errorMessage);
    return answer.result;
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Whatever the module started goes with it.
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
  }
}
