/**
 * The local Dispatcher: every node attempt is one execution of the deployed NodeMachine definition in the local
 * Step Functions interpreter, its placeholders replaced with local values and each Task answered by a local
 * handler: the reports post to the mailbox, the container step runs as a job (`runJob`, a child process) whose
 * outcome comes back in the shape ECS DescribeTasks gives, so the machine's own Choice decides the result in
 * both places; a lambda step's module runs in a child process (`invokeLambda`) and an http step's request is
 * a real `fetch`, each answering as Lambda and the HTTP Task answer Step Functions. A container try that timed
 * out is stopped by the machine's own ListTasks and StopTask states, answered here from the try in progress.
 * The RunTask override's `Command` is not read here: the job runs its command itself (process-executor.ts).
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
import { CurrentTry } from './current-try.ts';
import { type HttpInvokeParameters, type HttpInvokeResult, invokeHttp } from './executor/http-invoke.ts';
import { LocalTaskTokens } from './local-task-tokens.ts';
import { type JobOutcome, localTaskArn, type StoppedTask, toStoppedTask } from './stopped-task.ts';

export { type JobOutcome, type StoppedTask, toStoppedTask } from './stopped-task.ts';

export interface NodeMachineRunnerDeps {
  /**
   * Runs the job to its end. Aborting `signal` stops it; it then resolves `terminated`. Rejecting means the job
   * could not even start: the machine's Catch reports `failed` with the error.
   */
  runJob(job: JobSpec, signal: AbortSignal): Promise<JobOutcome>;
  /**
   * A lambda step's call (ExecuteLambda): resolves with what the function returned, rejects as the function
   * failed (the error's name is Step Functions' error, its message the cause). Aborting `signal` stops it.
   * By default the call fails: nothing runs functions.
   */
  invokeLambda?(job: JobSpec, signal: AbortSignal): Promise<unknown>;
  /** An http step's request (the HTTP Task); by default a real `fetch` (http-invoke.ts). */
  invokeHttp?(parameters: HttpInvokeParameters, signal: AbortSignal): Promise<HttpInvokeResult>;
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
  CacheCheckFunctionArn: 'arn:aws:lambda:local:000000000000:function:floe-cache-check',
  HttpConnectionArn: 'arn:aws:events:local:000000000000:connection/floe-http/local',
};

const LOCAL_MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:NodeMachine';

/** ExecuteLambda without a way to run functions: the try fails, saying so. */
const noLambdaRunner = async (): Promise<unknown> => {
  throw Object.assign(new Error('this runner runs no lambda functions'), { name: 'Floe.NoLambdaRunner' });
};

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
      [
        NODE_STATES.checkCache,
        NODE_STATES.executeLambda,
        NODE_STATES.listTimedOutTask,
        NODE_STATES.stopTimedOutTask,
        NODE_STATES.waitForCallback,
        ...NODE_REPORT_STATES,
      ].map((name) => [name, retryMs]),
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
    const tries = new CurrentTry(signal);
    const taskArn = localTaskArn(job.jobId);
    const runContainer = async (): Promise<StoppedTask> => {
      if (signal.aborted)
        return toStoppedTask({ status: 'terminated', message: 'stopped before it started' }, taskArn);
      return toStoppedTask(await tries.run('job', (stop) => this.deps.runJob(job, stop)), taskArn);
    };
    // A try that timed out, as ECS sees it: the job is the one task started for it while it runs, and
    // StopTask asks it to stop without waiting for it to end (the next try, the wait before it and the
    // execution's end wait for that, as before).
    const listTimedOutTask = async (): Promise<Json> => ({ TaskArns: tries.jobRunning ? [taskArn] : [] });
    const stopTimedOutTask = async (parameters: Json): Promise<Json> => {
      const { Task, Reason } = parameters as { Task: string; Reason: string };
      if (Task === taskArn && tries.jobRunning) tries.requestStop(Reason);
      return { Task: { TaskArn: Task, DesiredStatus: 'STOPPED', StoppedReason: Reason } };
    };
    // Lambda's invoke result: the function's answer is the Payload (the cache check's too, below).
    const runLambda = async (): Promise<Json> => {
      const invoke = this.deps.invokeLambda ?? noLambdaRunner;
      return { Payload: (await tries.run('call', (stop) => invoke(job, stop))) as Json };
    };
    const runHttp = async (parameters: Json): Promise<Json> => {
      const invoke = this.deps.invokeHttp ?? invokeHttp;
      const request = parameters as unknown as HttpInvokeParameters;
      return (await tries.run('call', (stop) => invoke(request, stop))) as unknown as Json;
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
      await tries.stop('the try failed');
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
          [NODE_STATES.listTimedOutTask]: listTimedOutTask,
          [NODE_STATES.stopTimedOutTask]: stopTimedOutTask,
          [NODE_STATES.executeLambda]: runLambda,
          [NODE_STATES.executeHttp]: runHttp,
          [NODE_STATES.executeHttpWithBody]: runHttp,
          [NODE_STATES.waitForCallback]: waitForCallback,
        },
        retryIntervalOverrides: this.retryIntervalOverrides,
        waitTimeOverrides: this.waitTimeOverrides,
      },
    });
    // A kill while no container job runs (the execution checks the cache, waits for a cached job, for a
    // callback or before a retry, or calls a function or an endpoint) stops the execution itself, as
    // StopExecution does in AWS; a running job's own end reports otherwise.
    const stopIfNotRunning = () => {
      if (tries.kind !== 'job') execution.abort();
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
      // The machine may have moved on without the try (it timed out on the last try): stop it, wait.
      await tries.stop('the execution ended');
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
