import { StateMachine } from 'aws-local-stepfunctions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpInvokeParameters } from '../../infra/local/executor/http-invoke.ts';
import {
  type JobOutcome,
  NodeMachineRunner,
  type NodeMachineRunnerDeps,
  toStoppedTask,
} from '../../infra/local/node-machine-runner.ts';
import type { JobSpec, RunEvent } from '../../shared/engine/run/model.ts';
import { nodeMachineDefinition } from '../../shared/machines/node-machine.ts';
import type { Mailbox } from '../../shared/runtime/ports.ts';
import { taskStatesOf } from '../support/asl.ts';

const job = (key: string, attempt = 1, runId = 'run-000007'): JobSpec => ({
  runId,
  key,
  attempt,
  jobId: `job-${runId}-${key}-${attempt}`,
  jobName: `${runId}-${key}`,
  stepName: key,
  command: `echo ${key}`,
  dockerEnv: 'python:3.12',
  env: { PF_STEP_NAME: key },
  mounts: [],
  outputPaths: [],
});

interface Post {
  runId: string;
  event: RunEvent;
}

class RecordingMailbox implements Mailbox {
  readonly posts: Post[] = [];
  /** Makes a post fail (before it is recorded) while this returns true. */
  refuse: (post: Post) => boolean = () => false;
  /** Holds a post until the returned promise resolves. */
  hold: (post: Post) => Promise<void> | undefined = () => undefined;

  async post(runId: string, event: RunEvent): Promise<void> {
    const post = { runId, event };
    await this.hold(post);
    if (this.refuse(post)) throw new Error('mailbox refused');
    this.posts.push(post);
  }

  events(key?: string) {
    return this.posts
      .map((post) => post.event)
      .filter((event) => !key || ('key' in event && event.key === key));
  }
}

/** A runJob that ends when told to, or `terminated` when its signal aborts. */
function controllableJobs() {
  const started = new Map<string, { signal: AbortSignal; end: (outcome: JobOutcome) => void }>();
  const waiters = new Map<string, () => void>();
  const runJob: NodeMachineRunnerDeps['runJob'] = (spec, signal) =>
    new Promise<JobOutcome>((resolve) => {
      signal.addEventListener('abort', () => resolve({ status: 'terminated', message: 'job was stopped' }));
      started.set(spec.key, { signal, end: resolve });
      waiters.get(spec.key)?.();
    });
  const whenStarted = (key: string) =>
    started.has(key) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(key, resolve));
  return { runJob, started, whenStarted };
}

let runners: NodeMachineRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.map((runner) => runner.close()));
  runners = [];
  vi.restoreAllMocks();
});

function makeRunner(deps: Partial<NodeMachineRunnerDeps> & Pick<NodeMachineRunnerDeps, 'runJob'>) {
  const mailbox = (deps.mailbox as RecordingMailbox | undefined) ?? new RecordingMailbox();
  const errors: unknown[] = [];
  const runner = new NodeMachineRunner(
    {
      mailbox,
      onError: (error) => errors.push(error),
      checkCache: async () => ({ outcome: 'miss' }),
      ...deps,
    },
    { reportRetryMs: 1 },
  );
  runners.push(runner);
  return { runner, mailbox, errors };
}

const succeed = async (): Promise<JobOutcome> => ({ status: 'succeeded', message: '' });

/** A runner on controllable jobs, with jobs `keys` dispatched and started. */
async function runnerWithStartedJobs(...keys: string[]) {
  const jobs = controllableJobs();
  const made = makeRunner({ runJob: jobs.runJob });
  // Each dispatch returns at once: the execution runs on its own.
  for (const key of keys) await made.runner.dispatch(job(key));
  await Promise.all(keys.map((key) => jobs.whenStarted(key)));
  return { ...made, jobs };
}

describe('NodeMachineRunner', () => {
  it('answers every Task state of the definition locally (none may call AWS)', async () => {
    const run = vi.spyOn(StateMachine.prototype, 'run');
    const { runner } = makeRunner({ runJob: succeed });
    await runner.dispatch(job('a'));
    await runner.idle();
    const handlers = run.mock.calls[0]![1]!.overrides!.taskResourceLocalHandlers!;
    const tasks = taskStatesOf(nodeMachineDefinition());
    expect(tasks.length).toBeGreaterThan(0);
    expect(Object.keys(handlers).sort()).toEqual(tasks);
  });

  it('validates the definition once: every execution runs on the same machine', async () => {
    const run = vi.spyOn(StateMachine.prototype, 'run');
    const { runner } = makeRunner({ runJob: succeed });
    for (let i = 0; i < 5; i++) await runner.dispatch(job(`s${i}`));
    await runner.idle();
    expect(run).toHaveBeenCalledTimes(5);
    expect(new Set(run.mock.contexts).size).toBe(1);
  });

  it('reports started, runs the job, and reports finished, in that order', async () => {
    const { runner, mailbox, jobs } = await runnerWithStartedJobs('train');
    expect(mailbox.events()).toEqual([
      { type: 'started', key: 'train', attempt: 1, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    ]);
    expect(runner.inFlight).toEqual(['run-000007.train.1']);
    jobs.started.get('train')!.end({ status: 'succeeded', message: '' });
    await runner.idle();
    expect(mailbox.posts.map((post) => post.runId)).toEqual(['run-000007', 'run-000007']);
    expect(mailbox.events()[1]).toEqual({
      type: 'finished',
      key: 'train',
      attempt: 1,
      status: 'succeeded',
      message: '',
      taskArn: 'arn:aws:ecs:local:000000000000:task/floe-local/job-run-000007-train-1',
      at: expect.any(String),
    });
    expect(runner.inFlight).toEqual([]);
  });

  it("reports a failed job with the machine's exit-code message, or the job's own message", async () => {
    const outcomes: Record<string, JobOutcome> = {
      code: { status: 'failed', message: 'exit code 2' },
      explained: { status: 'failed', message: 'sandbox setup failed: no bwrap' },
      both: { status: 'failed', message: 'out of memory', exitCode: 137 },
    };
    const { runner, mailbox } = makeRunner({ runJob: async (spec) => outcomes[spec.key]! });
    for (const key of Object.keys(outcomes)) await runner.dispatch(job(key));
    await runner.idle();
    const finished = (key: string) => mailbox.events(key).find((event) => event.type === 'finished');
    expect(finished('code')).toMatchObject({ status: 'failed', message: 'exit code 2' });
    expect(finished('explained')).toMatchObject({
      status: 'failed',
      message: 'sandbox setup failed: no bwrap',
    });
    expect(finished('both')).toMatchObject({ status: 'failed', message: 'exit code 137: out of memory' });
  });

  it('reports failed with the error when the job cannot even start (the Catch)', async () => {
    const { runner, mailbox } = makeRunner({
      runJob: async () => {
        throw new Error('fs[data] no longer exists here');
      },
    });
    await runner.dispatch(job('a'));
    await runner.idle();
    expect(mailbox.events()[1]).toMatchObject({
      type: 'finished',
      status: 'failed',
      message: 'Error: fs[data] no longer exists here',
    });
  });

  it('starts an attempt once: a repeated dispatch is a no-op, a new attempt runs', async () => {
    const runJob = vi.fn(succeed);
    const { runner, mailbox } = makeRunner({ runJob });
    await runner.dispatch(job('a'));
    await runner.dispatch(job('a'));
    await runner.idle();
    await runner.dispatch(job('a'));
    await runner.idle();
    expect(runJob).toHaveBeenCalledTimes(1);
    await runner.dispatch(job('a', 2));
    await runner.idle();
    expect(runJob).toHaveBeenCalledTimes(2);
    expect(
      mailbox.events().map((event) => `${event.type}:${'attempt' in event ? event.attempt : ''}`),
    ).toEqual(['started:1', 'finished:1', 'started:2', 'finished:2']);
  });

  it('kills a running job: its signal aborts and the machine reports terminated', async () => {
    const { runner, mailbox, jobs } = await runnerWithStartedJobs('a');
    await runner.kill('run-000007', 'a', 2); // another attempt: nothing
    await runner.kill('run-000008', 'a', 1); // another run: nothing
    expect(jobs.started.get('a')!.signal.aborted).toBe(false);
    await runner.kill('run-000007', 'a', 1);
    expect(jobs.started.get('a')!.signal.aborted).toBe(true);
    await runner.idle();
    expect(mailbox.events()[1]).toMatchObject({ type: 'finished', key: 'a', status: 'terminated' });
    await runner.kill('run-000007', 'a', 1); // finished: nothing
    expect(mailbox.events()).toHaveLength(2);
  });

  it('kills an execution whose job has not started yet: the job never runs', async () => {
    const runJob = vi.fn(succeed);
    const mailbox = new RecordingMailbox();
    const release = Promise.withResolvers<void>();
    mailbox.hold = (post) => (post.event.type === 'started' ? release.promise : undefined);
    const { runner } = makeRunner({ runJob, mailbox });
    await runner.dispatch(job('a'));
    await runner.kill('run-000007', 'a', 1);
    release.resolve();
    await runner.idle();
    expect(runJob).not.toHaveBeenCalled();
    // The execution stops where it is (as StopExecution does), so the held report is never sent.
    expect(mailbox.events()).toEqual([
      expect.objectContaining({
        type: 'finished',
        status: 'terminated',
        message: 'the node execution was stopped',
      }),
    ]);
  });

  it('runs executions concurrently: one waiting job does not hold back another', async () => {
    const { runner, mailbox, jobs } = await runnerWithStartedJobs('slow', 'fast');
    jobs.started.get('fast')!.end({ status: 'succeeded', message: '' });
    await vi.waitFor(() => expect(mailbox.events('fast')).toHaveLength(2));
    expect(mailbox.events('slow')).toHaveLength(1);
    let idle = false;
    void runner.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(idle).toBe(false);
    jobs.started.get('slow')!.end({ status: 'succeeded', message: '' });
    await runner.idle();
    expect(mailbox.events('slow')).toHaveLength(2);
  });

  it('retries a report the mailbox refused, without reporting twice', async () => {
    const mailbox = new RecordingMailbox();
    let refusals = 2;
    mailbox.refuse = (post) => post.event.type === 'started' && refusals-- > 0;
    const { runner, errors } = makeRunner({ runJob: succeed, mailbox });
    await runner.dispatch(job('a'));
    await runner.idle();
    expect(mailbox.events().map((event) => event.type)).toEqual(['started', 'finished']);
    expect(errors).toEqual([]);
  });

  it('reports an execution that failed outside the machine, as EventBridge does in AWS', async () => {
    const mailbox = new RecordingMailbox();
    mailbox.refuse = (post) => post.event.type === 'started';
    const runJob = vi.fn(succeed);
    const { runner, errors } = makeRunner({ runJob, mailbox });
    await runner.dispatch(job('a'));
    await runner.idle();
    expect(runJob).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
    expect(mailbox.events()).toEqual([
      {
        type: 'finished',
        key: 'a',
        attempt: 1,
        status: 'failed',
        message: expect.stringMatching(/^the node execution failed: .*mailbox refused/),
        at: expect.any(String),
      },
    ]);
  });

  it('closes by stopping every job, reporting nothing, and refusing new dispatches', async () => {
    const { runner, mailbox, jobs } = await runnerWithStartedJobs('a', 'b');
    await runner.close();
    expect(jobs.started.get('a')!.signal.aborted).toBe(true);
    expect(jobs.started.get('b')!.signal.aborted).toBe(true);
    expect(runner.inFlight).toEqual([]);
    expect(mailbox.events().map((event) => event.type)).toEqual(['started', 'started']);
    await runner.dispatch(job('c'));
    expect(runner.inFlight).toEqual([]);
  });
});

describe('toStoppedTask (a job outcome as ECS describes the stopped task)', () => {
  const arn = 'arn:aws:ecs:local:000000000000:task/floe-local/job-1';
  const stopped = (outcome: JobOutcome) => toStoppedTask(outcome, arn);

  it('maps success, stop and failure to the fields the machine reads, with the task ARN', () => {
    expect(stopped({ status: 'succeeded', message: '' })).toEqual({
      TaskArn: arn,
      Containers: [{ ExitCode: 0 }],
      StopCode: 'EssentialContainerExited',
      StoppedReason: 'Essential container in task exited',
    });
    expect(stopped({ status: 'terminated', message: 'job was stopped' })).toMatchObject({
      TaskArn: arn,
      StopCode: 'UserInitiated',
      StoppedReason: 'job was stopped',
    });
    expect(stopped({ status: 'failed', message: 'exit code 4' }).Containers).toEqual([{ ExitCode: 4 }]);
    expect(stopped({ status: 'failed', message: 'oom', exitCode: 137 }).Containers).toEqual([
      { ExitCode: 137, Reason: 'oom' },
    ]);
    // A failure never reads as success, whatever code it claims.
    expect(stopped({ status: 'failed', message: '', exitCode: 0 }).Containers).toEqual([{ ExitCode: 1 }]);
    expect(stopped({ status: 'failed', message: 'killed by signal SIGSEGV' })).toEqual({
      TaskArn: arn,
      Containers: [{}],
      StopCode: 'EssentialContainerExited',
      StoppedReason: 'killed by signal SIGSEGV',
    });
  });
});

describe('NodeMachineRunner lambda and http steps', () => {
  const lambdaJob = (key: string): JobSpec => ({
    ...job(key),
    command: '',
    lambda: { module: 'f.mjs', payload: { n: 1 } },
  });
  const httpJob = (key: string): JobSpec => ({
    ...job(key),
    command: '',
    http: { method: 'PUT', url: 'http://127.0.0.1:9/x', headers: {}, body: 'b' },
  });

  it("reports a function's answer as the outputs, and a container job's task ARN", async () => {
    const invokeLambda = vi.fn(async (spec: JobSpec) => ({
      doubled: (spec.lambda!.payload.n as number) * 2,
    }));
    const { runner, mailbox } = makeRunner({ runJob: succeed, invokeLambda });
    await runner.dispatch(lambdaJob('fn'));
    await runner.dispatch(job('box'));
    await runner.idle();
    expect(invokeLambda).toHaveBeenCalledTimes(1);
    expect(mailbox.events('fn').at(-1)).toMatchObject({ status: 'succeeded', outputs: { doubled: 2 } });
    expect(mailbox.events('box').at(-1)).toMatchObject({
      status: 'succeeded',
      taskArn: 'arn:aws:ecs:local:000000000000:task/floe-local/job-run-000007-box-1',
    });
  });

  it('sends the http parameters to the http invoker, and fails without a lambda runner', async () => {
    const invokeHttp = vi.fn(async (_parameters: HttpInvokeParameters) => ({
      StatusCode: 204,
      StatusText: '',
      Headers: {},
      ResponseBody: '',
    }));
    const { runner, mailbox } = makeRunner({ runJob: succeed, invokeHttp });
    await runner.dispatch(httpJob('call'));
    await runner.dispatch(lambdaJob('fn'));
    await runner.idle();
    expect(invokeHttp.mock.calls[0]![0]).toMatchObject({
      ApiEndpoint: 'http://127.0.0.1:9/x',
      Method: 'PUT',
      RequestBody: 'b',
    });
    expect(mailbox.events('call').at(-1)).toMatchObject({
      status: 'succeeded',
      outputs: { status: 204, body: '' },
    });
    expect(mailbox.events('fn').at(-1)).toMatchObject({
      status: 'failed',
      message: 'Floe.NoLambdaRunner: this runner runs no lambda functions',
    });
  });

  it('stops a call when killed: the execution ends terminated and the call sees its signal abort', async () => {
    let seen: AbortSignal | undefined;
    const invokeLambda = (_spec: JobSpec, signal: AbortSignal) => {
      seen = signal;
      return new Promise<unknown>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason)),
      );
    };
    const { runner, mailbox } = makeRunner({ runJob: succeed, invokeLambda });
    await runner.dispatch(lambdaJob('slow'));
    await vi.waitFor(() => expect(seen).toBeDefined());
    await runner.kill('run-000007', 'slow', 1);
    await runner.idle();
    expect(seen!.aborted).toBe(true);
    expect(mailbox.events('slow').at(-1)).toMatchObject({ type: 'finished', status: 'terminated' });
  });
});

describe('NodeMachineRunner cache waits', () => {
  it('stops an execution waiting for a cached job when killed, and reports it terminated', async () => {
    const runJob = vi.fn(succeed);
    const checks: unknown[] = [];
    const { runner, mailbox, errors } = makeRunner({
      runJob,
      // The cached job never ends: the execution would wait for ever.
      checkCache: async (payload) => {
        checks.push(payload);
        return { outcome: 'wait', cacheId: 'cch-000001', waitSeconds: 3 };
      },
    });
    const cached: JobSpec = {
      ...job('a'),
      cache: { firstFp: 'f', mainFsId: '', maxExpiredTime: '-1', inputArtifacts: {}, fsScope: [] },
    };
    await runner.dispatch(cached);
    await vi.waitFor(() => expect(checks).toHaveLength(1));
    await runner.kill('run-000007', 'a', 1);
    await runner.idle();
    expect(runJob).not.toHaveBeenCalled();
    expect(mailbox.events()).toEqual([
      expect.objectContaining({ type: 'finished', key: 'a', attempt: 1, status: 'terminated' }),
    ]);
    expect(errors).toEqual([]);
  });
});

describe('NodeMachineRunner callback waits and retries', () => {
  const approval = (key: string): JobSpec => ({ ...job(key), command: '', wait: 'approval' });
  const tokenOf = (mailbox: RecordingMailbox, key: string) => {
    const waiting = mailbox.events(key).find((event) => event.type === 'waiting');
    return waiting?.type === 'waiting' ? waiting.token : undefined;
  };
  const result = { user: 'alice', at: '2026-11-22T10:00:00.000Z', decision: 'succeeded' as const };

  it('waits on a token that the callback answers once; the step never runs a job', async () => {
    const runJob = vi.fn(succeed);
    const { runner, mailbox } = makeRunner({ runJob });
    await runner.dispatch(approval('a'));
    await vi.waitFor(() => expect(tokenOf(mailbox, 'a')).toBeDefined());
    const token = tokenOf(mailbox, 'a')!;
    expect(runner.tokens.size).toBe(1);
    const answer = { status: 'succeeded' as const, message: 'approved by alice', result };
    await expect(runner.tokens.succeed(token, answer)).resolves.toBe(true);
    await runner.idle();
    await expect(runner.tokens.succeed(token, answer)).resolves.toBe(false);
    expect(runJob).not.toHaveBeenCalled();
    expect(mailbox.events('a').at(-1)).toMatchObject({
      type: 'finished',
      status: 'succeeded',
      message: 'approved by alice',
      callback: result,
    });
  });

  it('gives each execution its own token, and forgets a stopped one: a late answer finds nothing', async () => {
    const { runner, mailbox } = makeRunner({ runJob: succeed });
    await runner.dispatch(approval('a'));
    await runner.dispatch(approval('b'));
    await vi.waitFor(() => expect(tokenOf(mailbox, 'b')).toBeDefined());
    await vi.waitFor(() => expect(tokenOf(mailbox, 'a')).toBeDefined());
    expect(tokenOf(mailbox, 'a')).not.toBe(tokenOf(mailbox, 'b'));
    await runner.kill('run-000007', 'a', 1);
    await vi.waitFor(() => expect(mailbox.events('a').at(-1)).toMatchObject({ status: 'terminated' }));
    await expect(runner.tokens.fail(tokenOf(mailbox, 'a')!, 'Floe.CallbackFailed', '{}')).resolves.toBe(
      false,
    );
    expect(runner.tokens.size).toBe(1);
  });

  it('stops a try that timed out before the retry starts, so two tries never run at once', async () => {
    const signals: AbortSignal[] = [];
    let running = 0;
    let most = 0;
    const runJob: NodeMachineRunnerDeps['runJob'] = (_spec, signal) => {
      signals.push(signal);
      running++;
      most = Math.max(most, running);
      const attempt = signals.length;
      return new Promise<JobOutcome>((resolve) => {
        const end = (outcome: JobOutcome) => {
          running--;
          resolve(outcome);
        };
        // The first try hangs until stopped; the second succeeds.
        if (attempt === 2) end({ status: 'succeeded', message: '' });
        signal.addEventListener('abort', () => end({ status: 'terminated', message: 'stopped' }));
      });
    };
    const { runner, mailbox } = makeRunner({ runJob });
    await runner.dispatch({ ...job('a'), timeoutSeconds: 1, retryDelays: [2] });
    // The timed-out try is stopped as the retry is announced, not when the next try starts 2 s later.
    await vi.waitFor(() => expect(mailbox.events('a').map((event) => event.type)).toContain('retrying'), {
      timeout: 4000,
    });
    expect(signals[0]!.aborted).toBe(true);
    expect(signals).toHaveLength(1);
    await runner.idle();
    expect(signals).toHaveLength(2);
    expect(most).toBe(1);
    expect(mailbox.events('a').map((event) => event.type)).toEqual(['started', 'retrying', 'finished']);
    expect(mailbox.events('a').at(-1)).toMatchObject({ status: 'succeeded' });
  }, 15_000);

  it("stops a last try that timed out through the machine's ListTasks and StopTask, then reports it", async () => {
    const signals: AbortSignal[] = [];
    const runJob: NodeMachineRunnerDeps['runJob'] = (_spec, signal) => {
      signals.push(signal);
      return new Promise<JobOutcome>((resolve) =>
        signal.addEventListener('abort', () => resolve({ status: 'terminated', message: 'stopped' })),
      );
    };
    const { runner, mailbox } = makeRunner({ runJob });
    await runner.dispatch({ ...job('a'), timeoutSeconds: 1 });
    await runner.idle();
    expect(signals).toHaveLength(1);
    // Stopped by StopTimedOutTask (its Reason), not by the execution's end.
    expect((signals[0]!.reason as Error).message).toBe('the step timed out');
    expect(mailbox.events('a').map((event) => event.type)).toEqual(['started', 'finished']);
    expect(mailbox.events('a').at(-1)).toMatchObject({
      status: 'failed',
      message: 'timed out after 1 seconds',
    });
  }, 10_000);

  it('refuses an answer once the wait timed out', async () => {
    const { runner, mailbox } = makeRunner({ runJob: succeed });
    await runner.dispatch({ ...approval('a'), timeoutSeconds: 1 });
    await vi.waitFor(() => expect(tokenOf(mailbox, 'a')).toBeDefined());
    await vi.waitFor(() => expect(runner.tokens.size).toBe(0), { timeout: 3000 });
    const late = { status: 'succeeded' as const, message: 'approved late', result };
    await expect(runner.tokens.succeed(tokenOf(mailbox, 'a')!, late)).resolves.toBe(false);
    await runner.idle();
    expect(mailbox.events('a').at(-1)).toMatchObject({
      status: 'failed',
      message: 'timed out after 1 seconds',
    });
  }, 10_000);

  it('stops an execution killed while it waits to retry', async () => {
    const runJob = vi.fn(async (): Promise<JobOutcome> => ({ status: 'failed', message: 'exit code 1' }));
    const { runner, mailbox } = makeRunner({ runJob });
    await runner.dispatch({ ...job('a'), retryDelays: [30] });
    await vi.waitFor(() => expect(mailbox.events('a').map((event) => event.type)).toContain('retrying'));
    await runner.kill('run-000007', 'a', 1);
    await runner.idle();
    expect(runJob).toHaveBeenCalledTimes(1);
    expect(mailbox.events('a').at(-1)).toMatchObject({ type: 'finished', status: 'terminated' });
  });
});
