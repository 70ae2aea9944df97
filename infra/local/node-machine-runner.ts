/**
 * The local Dispatcher: every node attempt is one execution of the deployed NodeMachine definition in the local
 * Step Functions interpreter, its placeholders replaced with local values and each Task answered by a local
 * handler: the reports post to the mailbox, the container step runs as a job (`runJob`, a child process) whose
 * outcome comes back in the shape ECS DescribeTasks gives, so the machine's own Choice decides the result in
 * both places.
 */
import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { executionName } from '../../shared/engine/run/index.ts';
import type { JobSpec } from '../../shared/engine/run/model.ts';
import {
  type CacheCheckPayload,
  type MailboxMessage,
  NODE_REPORT_STATES,
  NODE_STATES,
  type NodeMachineSubstitutions,
  nodeMachineDefinition,
  substituteDefinition,
  toMachineInput,
} from '../../shared/machines/node-machine.ts';
import { abnormalEnd } from '../../shared/runtime/node-events.ts';
import type { Dispatcher, Mailbox } from '../../shared/runtime/ports.ts';
import { LocalTaskTokens } from './local-task-tokens.ts';

/** What a job ended as. `exitCode`, when the job knows it, is the step command's exit status. */
export interface JobOutcome {
  status: 'succeeded' | 'failed' | 'terminated';
  message: string;
  exitCode?: number;
}

export interface NodeMachineRunnerDeps {
  /**
   * Runs the job to its end. Aborting `signal` stops it; it then resolves `terminated`. Rejecting means the job
   * could not even start: the machine's Catch reports `failed` with the error.
   */
  runJob(job: JobSpec, signal: AbortSignal): Promise<JobOutcome>;
  mailbox: Mailbox;
  /** The cache-check function's work (CheckCache): what AWS runs as a Lambda function. */
  checkCache(payload: CacheCheckPayload): Promise<unknown>;
  /** An execution that failed outside the machine's own error handling (e.g. the mailbox kept refusing). */
  onError(error: unknown): void;
}

export interface NodeMachineRunnerOptions {
  /** Pause between retries of a report (the definition's intervals are for AWS). */
  reportRetryMs?: number;
  /** Replaces the wait for a cached job that is still running (tests; the definition's is seconds). */
  cacheWaitMs?: number;
}

/** The definition's placeholders, locally: nothing reads them but the local handlers. */
export const LOCAL_SUBSTITUTIONS: NodeMachineSubstitutions = {
  MailboxQueueUrl: 'https://sqs.local.floe/000000000000/floe-mailbox.fifo',
  ClusterArn: 'arn:aws:ecs:local:000000000000:cluster/floe-local',
  TaskDefinitionArn: 'arn:aws:ecs:local:000000000000:task-definition/floe-step:1',
  CacheCheckFunctionArn: 'arn:aws:lambda:local:000000000000:function:floe-cache-check',
};

const LOCAL_MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:NodeMachine';

/** The part of an ECS DescribeTasks task the NodeMachine reads. */
// A type, not an interface: the interpreter's handlers return JSON values (index-signature objects).
export type StoppedTask = {
  Containers: { ExitCode?: number; Reason?: string }[];
  StopCode: 'EssentialContainerExited' | 'UserInitiated';
  StoppedReason: string;
};

/** SIGTERM's conventional exit status: what a stopped container reports. */
const TERMINATED_EXIT_CODE = 143;
const EXIT_MESSAGE = /^exit code (-?\d+)$/;

/**
 * A job's outcome as ECS describes a stopped task. A failure with a known exit code carries the job's message
 * as the container's `Reason` (unless it only repeats the code); one without an exit code has no `ExitCode`,
 * as an ECS container that never ran, and its message is the `StoppedReason`.
 */
export function toStoppedTask(outcome: JobOutcome): StoppedTask {
  if (outcome.status === 'succeeded') {
    return {
      Containers: [{ ExitCode: 0 }],
      StopCode: 'EssentialContainerExited',
      StoppedReason: 'Essential container in task exited',
    };
  }
  if (outcome.status === 'terminated') {
    return {
      Containers: [{ ExitCode: TERMINATED_EXIT_CODE }],
      StopCode: 'UserInitiated',
      StoppedReason: outcome.message || 'Task stopped by user',
    };
  }
  const parsed = EXIT_MESSAGE.exec(outcome.message);
  const known = outcome.exitCode ?? (parsed ? Number(parsed[1]) : undefined);
  if (known === undefined) {
    return {
      Containers: [{}],
      StopCode: 'EssentialContainerExited',
      StoppedReason: outcome.message || 'the container did not run',
    };
  }
  const exitCode = known === 0 ? 1 : known;
  const repeatsCode = outcome.message === '' || outcome.message === `exit code ${exitCode}`;
  return {
    Containers: [repeatsCode ? { ExitCode: exitCode } : { ExitCode: exitCode, Reason: outcome.message }],
    StopCode: 'EssentialContainerExited',
    StoppedReason: 'Essential container in task exited',
  };
}

type Json = Parameters<StateMachine['run']>[0];

/**
 * The definition as the local interpreter must read it. Step Functions resolves a Task's
 * `TimeoutSecondsPath` against the state's input; the interpreter (3.0) resolves it against the input after
 * `Parameters`, where the ECS and SQS parameters leave no such field. The NodeMachine's timeout paths read
 * fields of the execution input that no state changes, so reading them from `$$.Execution.Input` gives the
 * same value: that is the one change, and the runner passes the input in the context.
 */
export function forLocalInterpreter(definition: unknown): StateMachineDefinition {
  const patched = structuredClone(definition) as { States: Record<string, Record<string, unknown>> };
  for (const state of Object.values(patched.States)) {
    const path = state.TimeoutSecondsPath;
    if (typeof path === 'string' && path.startsWith('$.'))
      state.TimeoutSecondsPath = `$$.Execution.Input.${path.slice(2)}`;
  }
  return patched as unknown as StateMachineDefinition;
}

/**
 * Runs NodeMachine executions in this process, concurrently. The interpreter validates the definition once,
 * here; each execution only gets its own handlers and context.
 */
export class NodeMachineRunner implements Dispatcher {
  private readonly machine: StateMachine;
  /** Every execution name started since this process began: a repeated dispatch is a no-op. */
  private readonly started = new Set<string>();
  private readonly running = new Map<string, AbortController>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly retryIntervalOverrides: Record<string, number>;
  private readonly waitTimeOverrides: Record<string, number>;
  /** Where callback and approval steps wait: the callback API resolves them through it. */
  readonly tokens = new LocalTaskTokens();

  constructor(
    private readonly deps: NodeMachineRunnerDeps,
    options: NodeMachineRunnerOptions = {},
  ) {
    const definition = substituteDefinition(nodeMachineDefinition(), LOCAL_SUBSTITUTIONS);
    this.machine = new StateMachine(forLocalInterpreter(definition));
    const retryMs = options.reportRetryMs ?? 100;
    this.retryIntervalOverrides = Object.fromEntries(
      [NODE_STATES.checkCache, NODE_STATES.waitForCallback, ...NODE_REPORT_STATES].map((name) => [
        name,
        retryMs,
      ]),
    );
    this.waitTimeOverrides =
      options.cacheWaitMs === undefined ? {} : { [NODE_STATES.waitForCachedJob]: options.cacheWaitMs };
  }

  /** Starts the attempt's execution and returns at once; the execution runs on its own. */
  async dispatch(job: JobSpec): Promise<void> {
    if (this.closed) return;
    const name = executionName(job.runId, job.key, job.attempt);
    if (this.started.has(name)) return;
    this.started.add(name);
    const controller = new AbortController();
    this.running.set(name, controller);
    void this.execute(name, job, controller)
      .catch((error: unknown) => this.deps.onError(error))
      .finally(() => {
        this.running.delete(name);
        if (this.running.size === 0) this.wakeIdle();
      });
  }

  /** Stops the attempt's job; the execution then reports `terminated`. Unknown or finished: nothing. */
  async kill(runId: string, key: string, attempt: number): Promise<void> {
    this.running.get(executionName(runId, key, attempt))?.abort(new Error('killed'));
  }

  /** Resolves when no execution is in flight (their jobs included). */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Shutdown: stops every job and waits for the executions to end. They report nothing: the process is going
   * down, and a restart resumes the runs and decides what became of their nodes.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.running.values()) controller.abort(new Error('shutting down'));
    await this.idle();
  }

  /** Names of the executions in flight (for diagnostics and tests). */
  get inFlight(): string[] {
    return [...this.running.keys()];
  }

  private wakeIdle() {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private async execute(name: string, job: JobSpec, controller: AbortController): Promise<void> {
    const { signal } = controller;
    // The try in progress: a retry, a timeout or the execution's end stops it before anything goes on.
    let current: { stop: AbortController; ended: Promise<void> } | undefined;
    const stopCurrent = async (reason: string) => {
      if (!current) return;
      current.stop.abort(new Error(reason));
      await current.ended;
      current = undefined;
    };
    const runContainer = async (): Promise<StoppedTask> => {
      // A try that timed out may still run: it ends before the next begins.
      await stopCurrent('the try timed out');
      if (signal.aborted)
        return toStoppedTask({ status: 'terminated', message: 'stopped before it started' });
      const stop = new AbortController();
      const stopWithExecution = () => stop.abort(signal.reason);
      signal.addEventListener('abort', stopWithExecution, { once: true });
      const running = this.deps.runJob(job, stop.signal);
      const ended = running.then(
        () => undefined,
        () => undefined,
      );
      current = { stop, ended };
      void ended.then(() => {
        signal.removeEventListener('abort', stopWithExecution);
        if (current?.stop === stop) current = undefined;
      });
      return toStoppedTask(await running);
    };
    const report = (input: Json) => this.report(input);
    const token = this.tokens.newToken();
    const machineInput = toMachineInput(job);
    const input = machineInput as unknown as Json;
    // `sendMessage.waitForTaskToken`: post the `waiting` event (it carries the token), then wait for its answer.
    const waitForCallback = async (input: Json): Promise<Json> => {
      const answer = this.tokens.wait(token);
      // The wait's timeout ends it here first, so an answer after it is refused (Step Functions: TaskTimedOut).
      const timeout = setTimeout(() => this.tokens.forget(token), machineInput.timeoutSeconds * 1000);
      try {
        await this.report(input);
        return (await answer) as unknown as Json;
      } finally {
        clearTimeout(timeout);
      }
    };
    // Lambda's invoke result: the function's answer is the Payload.
    const checkCache = async (input: Json): Promise<Json> => {
      const { Payload } = input as unknown as { Payload: CacheCheckPayload };
      return { Payload: (await this.deps.checkCache(Payload)) as Json };
    };
    const reports = Object.fromEntries(NODE_REPORT_STATES.map((state) => [state, report]));
    // A try that failed (or timed out, its job still running) is stopped before the wait for its retry.
    const reportRetrying = async (input: Json) => {
      await stopCurrent('the try failed');
      return this.report(input);
    };
    const execution = this.machine.run(input, {
      context: {
        Execution: {
          Input: input,
          Name: name,
          Id: `${LOCAL_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`,
        },
        StateMachine: { Id: LOCAL_MACHINE_ARN, Name: 'NodeMachine' },
        // Read when a state's parameters are evaluated, i.e. as the state is entered.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
        Task: { Token: token },
      },
      overrides: {
        taskResourceLocalHandlers: {
          ...reports,
          [NODE_STATES.reportRetrying]: reportRetrying,
          [NODE_STATES.checkCache]: checkCache,
          [NODE_STATES.executeContainer]: runContainer,
          [NODE_STATES.waitForCallback]: waitForCallback,
        },
        retryIntervalOverrides: this.retryIntervalOverrides,
        waitTimeOverrides: this.waitTimeOverrides,
      },
    });
    // A kill while no job runs (the execution checks the cache, waits for a cached job, for a callback or
    // before a retry) stops the execution itself, as StopExecution does in AWS; a running job's own end
    // reports otherwise.
    const stopIfNotRunning = () => {
      if (!current) execution.abort();
    };
    signal.addEventListener('abort', stopIfNotRunning, { once: true });
    try {
      await execution.result;
    } catch (error) {
      if (this.closed) return;
      if (error instanceof ExecutionAbortedError) await this.reportAbnormalEnd(job, error, 'ABORTED');
      else await this.reportAbnormalEnd(job, error, 'FAILED');
    } finally {
      signal.removeEventListener('abort', stopIfNotRunning);
      this.tokens.forget(token);
      // The machine may have moved on without the job (its try timed out on the last try): stop it, wait.
      await stopCurrent('the execution ended');
    }
  }

  /** A report state: the message body is the `{runId, event}` the mailbox carries. */
  private async report(input: Json): Promise<Json> {
    if (this.closed) return {};
    const { MessageBody } = input as { MessageBody: MailboxMessage | string };
    const message = (
      typeof MessageBody === 'string' ? JSON.parse(MessageBody) : MessageBody
    ) as MailboxMessage;
    await this.deps.mailbox.post(message.runId, message.event);
    return {};
  }

  /** What EventBridge's FAILED/ABORTED status change does in AWS: the run hears the node failed or stopped. */
  private async reportAbnormalEnd(job: JobSpec, error: unknown, status: 'FAILED' | 'ABORTED') {
    if (status === 'FAILED') this.deps.onError(error);
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const post = abnormalEnd(
      {
        status,
        input: JSON.stringify({ job: { runId: job.runId, key: job.key, attempt: job.attempt } }),
        error: cause instanceof Error ? cause.name : 'Error',
        cause: cause instanceof Error ? cause.message : String(cause),
        stopDate: Date.now(),
      },
      new Date().toISOString(),
    );
    if (!post) return;
    try {
      await this.deps.mailbox.post(post.runId, post.event);
    } catch (postError) {
      this.deps.onError(postError);
    }
  }
}
