/**
 * The NodeMachine as CDK deploys it, run in the local interpreter: the definition and its substitution keys
 * are read from the synthesized template (what is deployed, not what the code means to deploy), the
 * placeholders replaced with fixed fake values as Step Functions replaces them, and every Task state is
 * answered by a handler that records the exact request the state makes and answers in the shape the AWS
 * integration returns. A request or an answer that drifts from AWS's shows here, not on the first deploy.
 */
import { createHash } from 'node:crypto';
import { ExecutionAbortedError, StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { forLocalInterpreter } from '../../infra/local/node-machine-runner.ts';
import type { JobSpec } from '../../shared/engine/run/model.ts';
import {
  NODE_REPORT_STATES,
  NODE_STATES,
  NODE_TASK_STATES,
  type NodeMachineSubstitutions,
  substituteDefinition,
  toMachineInput,
} from '../../shared/machines/node-machine.ts';
import type { ContainerPlacement } from '../../shared/runtime/ports.ts';
import { taskStatesOf } from '../support/asl.ts';
import { type Json, SynthesizedStack } from './template-support.ts';

const S = NODE_STATES;
const REGION_ACCOUNT = 'eu-west-1:111122223333';

/** What CloudFormation would resolve the substitutions to. */
const VALUES: NodeMachineSubstitutions = {
  MailboxQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/Floe-Mailbox.fifo',
  ClusterArn: `arn:aws:ecs:${REGION_ACCOUNT}:cluster/Floe-steps`,
  CacheCheckFunctionArn: `arn:aws:lambda:${REGION_ACCOUNT}:function:Floe-CacheCheck`,
  HttpConnectionArn: `arn:aws:events:${REGION_ACCOUNT}:connection/Floe-http/0123abcd`,
};

const NAME = 'run-000123.train.1';
const ENTERED = '2026-11-22T11:00:00.000Z';
const TOKEN = 'AQCEAAAAKgAAAA-token';
const TASK_ARN = `arn:aws:ecs:${REGION_ACCOUNT}:task/Floe-steps/0123456789abcdef`;

const job: JobSpec = {
  runId: 'run-000123',
  key: 'train',
  attempt: 1,
  jobId: 'job-run-000123-train-00000000',
  jobName: 'run-000123-train',
  stepName: 'train',
  command: 'python train.py --epochs "$EPOCHS"',
  dockerEnv: 'python:3.12',
  env: { EPOCHS: '3', PF_RUN_ID: 'run-000123', PF_OUTPUT_ARTIFACT_MODEL: '/mnt/work/.pf/run-000123/model' },
  mounts: [],
  outputPaths: [],
};

/** Where the AWS dispatcher places the job's task (its placer's answer). */
const placement: ContainerPlacement = {
  taskDefinition: `arn:aws:ecs:${REGION_ACCOUNT}:task-definition/Floe-step-0123456789abcdef:1`,
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-steps'],
  assignPublicIp: 'DISABLED',
  startedBy: 'floe-0123456789abcdef0123456789abcde',
};

let definition: unknown;
let machine: StateMachine;

beforeAll(() => {
  const synthesized = new SynthesizedStack();
  const properties = synthesized.props(synthesized.stack.engine.nodeMachine);
  expect(typeof properties.DefinitionString).toBe('string');
  expect(Object.keys(properties.DefinitionSubstitutions as Json).sort()).toEqual(Object.keys(VALUES).sort());
  definition = substituteDefinition(JSON.parse(properties.DefinitionString as string), VALUES);
  expect(JSON.stringify(definition)).not.toMatch(/\$\{/);
  // The interpreter reads TimeoutSecondsPath after Parameters, Step Functions before: the one adaptation.
  machine = new StateMachine(forLocalInterpreter(definition));
});

/** A Task's answer: a value, an error it fails with, or HANG (it never answers). */
const HANG = Symbol('hang');
/** Per Task state, its answers in turn, or a function of the request and how many came before it. */
type Answers = Partial<Record<string, unknown[] | ((request: Json, nth: number) => unknown)>>;

/** SQS SendMessage's answer (the report states). */
const sent = (nth: number) => ({
  MessageId: `0000000${nth}-0000-4000-8000-000000000000`,
  MD5OfMessageBody: createHash('md5').update(String(nth)).digest('hex'),
});
const REPORTS: Answers = Object.fromEntries(
  NODE_REPORT_STATES.map((state) => [state, (_: Json, nth: number) => sent(nth)]),
);

interface Request {
  state: string;
  request: Json;
}

/**
 * A handler for every Task state: each records its request in `requests`, then gives its next answer (a
 * state without one throws, and the test's list of requests shows it).
 */
function handlersOf(answers: Answers, requests: Request[]) {
  const counts = new Map<string, number>();
  const scripts = { ...REPORTS, ...answers };
  return Object.fromEntries(
    NODE_TASK_STATES.map((state) => [
      state,
      async (request: Json) => {
        requests.push({ state, request });
        const nth = counts.get(state) ?? 0;
        counts.set(state, nth + 1);
        const script = scripts[state];
        const answer = typeof script === 'function' ? script(request, nth) : script?.[nth];
        if (answer === HANG) return new Promise(() => {});
        if (answer instanceof Error) throw answer;
        if (answer === undefined) throw new Error(`no answer for ${state} #${nth + 1}`);
        return answer;
      },
    ]),
  );
}

/** Starts one execution of `input`; `requests` fills as its Task states make them. */
function start(input: JobSpec, answers: Answers) {
  const requests: Request[] = [];
  const handlers = handlersOf(answers, requests);
  const machineInput = toMachineInput(input, placement) as never;
  const execution = machine.run(machineInput, {
    context: {
      Execution: { Name: NAME, Input: machineInput },
      State: { EnteredTime: ENTERED },
      Task: { Token: TOKEN },
    },
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: { [S.waitBeforeRetry]: 1, [S.waitForCachedJob]: 1 },
      retryIntervalOverrides: Object.fromEntries(NODE_TASK_STATES.map((state) => [state, 1])),
    },
  });
  return { execution, requests };
}

/** Runs one execution to its end; returns the requests its Task states made, in order. */
async function run(input: JobSpec, answers: Answers) {
  const { execution, requests } = start(input, answers);
  await execution.result;
  return requests;
}

// The exact requests, as the Task states make them.

/** A report: one SQS message in the run's group. Step Functions sends the JSON MessageBody as a string. */
const report = (state: string, dedup: string, event: Json): Request => ({
  state,
  request: {
    QueueUrl: VALUES.MailboxQueueUrl,
    MessageGroupId: job.runId,
    MessageDeduplicationId: dedup,
    MessageBody: { runId: job.runId, event: { key: job.key, attempt: job.attempt, ...event, at: ENTERED } },
  },
});
const started = report(S.reportStarted, `${NAME}.started`, { type: 'started' });
const finished = (fields: Json) =>
  report(S.reportFinished, `${NAME}.finished`, { type: 'finished', ...fields });
const retrying = (retry: number, message: string) =>
  report(S.reportRetrying, `${NAME}.retry.${retry}`, { type: 'retrying', retry, message });
const outputs = (value: unknown) =>
  report(S.reportOutputs, `${NAME}.finished`, {
    type: 'finished',
    status: 'succeeded',
    message: '',
    outputs: value,
  });

const runTask: Request = {
  state: S.executeContainer,
  request: {
    Cluster: VALUES.ClusterArn,
    TaskDefinition: placement.taskDefinition,
    LaunchType: 'FARGATE',
    NetworkConfiguration: {
      AwsvpcConfiguration: {
        Subnets: placement.subnets,
        SecurityGroups: placement.securityGroups,
        AssignPublicIp: 'DISABLED',
      },
    },
    StartedBy: placement.startedBy,
    Overrides: {
      ContainerOverrides: [
        {
          Name: 'step',
          // The task definition's entry point is `sh -c`: the command is its one argument, after the output
          // artifact is emptied and its directory made (what the local executor does before a job).
          Command: [
            'rm -rf "$PF_OUTPUT_ARTIFACT_MODEL" && mkdir -p "$(dirname "$PF_OUTPUT_ARTIFACT_MODEL")" || exit 1\npython train.py --epochs "$EPOCHS"',
          ],
          Environment: [
            { Name: 'EPOCHS', Value: '3' },
            { Name: 'PF_RUN_ID', Value: 'run-000123' },
            { Name: 'PF_OUTPUT_ARTIFACT_MODEL', Value: '/mnt/work/.pf/run-000123/model' },
          ],
        },
      ],
    },
  },
};

// The answers, in the shapes the integrations return.

/** ECS DescribeTasks' stopped task, as `runTask.sync` returns it. */
const stoppedTask = (container: { ExitCode?: number; Reason?: string }, stop: Json = {}) => ({
  TaskArn: TASK_ARN,
  Containers: [container],
  StopCode: 'EssentialContainerExited',
  StoppedReason: 'Essential container in task exited',
  ...stop,
});
/** lambda:invoke's answer. */
const invoked = (payload: unknown) => ({ Payload: payload, StatusCode: 200, ExecutedVersion: '$LATEST' });
/** A function's error, as lambda:invoke fails with it: the error type, and the function's error as JSON. */
const functionError = (errorType: string, errorMessage: string) =>
  Object.assign(
    new Error(JSON.stringify({ errorMessage, errorType, stackTrace: [`${errorType}: ${errorMessage}`] })),
    { name: errorType },
  );
/** http:invoke's answer (ResponseBody absent when the answer has none). */
const answered = (StatusCode: number, StatusText: string, body?: unknown) => ({
  StatusCode,
  StatusText,
  Headers: { 'content-type': 'application/json', date: 'Sun, 22 Nov 2026 11:00:00 GMT' },
  ...(body === undefined ? {} : { ResponseBody: body }),
});

describe('the deployed NodeMachine', () => {
  it('has a handler here for every Task state, nested ones included (a Task without one would call AWS)', () => {
    expect(taskStatesOf(definition)).toEqual([...NODE_TASK_STATES].sort());
    expect(Object.keys(handlersOf({}, [])).sort()).toEqual(taskStatesOf(definition));
  });
});

describe('the deployed NodeMachine: container steps', () => {
  it('runs the task with the placement, the command and the environment, and reports success with its ARN', async () => {
    const requests = await run(job, { [S.executeContainer]: [stoppedTask({ ExitCode: 0 })] });
    expect(requests).toEqual([
      started,
      runTask,
      finished({ status: 'succeeded', message: '', taskArn: TASK_ARN }),
    ]);
  });

  it("reports a failure with the exit code, and the container's reason when ECS gives one", async () => {
    expect((await run(job, { [S.executeContainer]: [stoppedTask({ ExitCode: 2 })] })).at(-1)).toEqual(
      finished({ status: 'failed', message: 'exit code 2', taskArn: TASK_ARN }),
    );
    const oom = stoppedTask({
      ExitCode: 137,
      Reason: 'OutOfMemoryError: Container killed due to memory usage',
    });
    expect((await run(job, { [S.executeContainer]: [oom] })).at(-1)).toEqual(
      finished({
        status: 'failed',
        message: 'exit code 137: OutOfMemoryError: Container killed due to memory usage',
        taskArn: TASK_ARN,
      }),
    );
  });

  it('reports a task stopped by a user as terminated, and one that never started with its stop reason', async () => {
    const byUser = stoppedTask(
      { ExitCode: 143 },
      { StopCode: 'UserInitiated', StoppedReason: 'Task stopped by user' },
    );
    expect((await run(job, { [S.executeContainer]: [byUser] })).at(-1)).toEqual(
      finished({ status: 'terminated', message: 'the job was stopped', taskArn: TASK_ARN }),
    );
    const notStarted = stoppedTask(
      {},
      { StopCode: 'TaskFailedToStart', StoppedReason: 'CannotPullContainerError: not found' },
    );
    expect((await run(job, { [S.executeContainer]: [notStarted] })).at(-1)).toEqual(
      finished({ status: 'failed', message: 'CannotPullContainerError: not found', taskArn: TASK_ARN }),
    );
  });

  it('reports a RunTask that fails as failed, with the error and no task (the Catch)', async () => {
    const error = Object.assign(new Error('No Container Instances were found in your cluster.'), {
      name: 'ECS.AmazonECSException',
    });
    expect(await run(job, { [S.executeContainer]: [error] })).toEqual([
      started,
      runTask,
      finished({
        status: 'failed',
        message: 'ECS.AmazonECSException: No Container Instances were found in your cluster.',
        taskArn: '',
      }),
    ]);
  });

  it("retries a failed try per the step's policy, reporting the retry, then reports the try that succeeded", async () => {
    const requests = await run(
      { ...job, retryDelays: [30, 60] },
      { [S.executeContainer]: [stoppedTask({ ExitCode: 3 }), stoppedTask({ ExitCode: 0 })] },
    );
    expect(requests).toEqual([
      started,
      runTask,
      retrying(1, 'exit code 3'),
      runTask,
      finished({ status: 'succeeded', message: '', taskArn: TASK_ARN }),
    ]);
  });

  it('stops the tasks of a try that timed out (listed by its startedBy), then reports it timed out', async () => {
    const requests = await run(
      { ...job, timeoutSeconds: 1 },
      {
        [S.executeContainer]: [HANG],
        [S.listTimedOutTask]: [{ TaskArns: [TASK_ARN] }],
        [S.stopTimedOutTask]: [
          {
            Task: {
              TaskArn: TASK_ARN,
              LastStatus: 'RUNNING',
              DesiredStatus: 'STOPPED',
              StopCode: 'UserInitiated',
              StoppedReason: 'the step timed out',
            },
          },
        ],
      },
    );
    expect(requests).toEqual([
      started,
      runTask,
      { state: S.listTimedOutTask, request: { Cluster: VALUES.ClusterArn, StartedBy: placement.startedBy } },
      {
        state: S.stopTimedOutTask,
        request: { Cluster: VALUES.ClusterArn, Task: TASK_ARN, Reason: 'the step timed out' },
      },
      finished({ status: 'failed', message: 'timed out after 1 seconds', taskArn: '' }),
    ]);
  }, 10_000);

  it('reports a try timed out even when its task cannot be listed (after retries), or none is listed', async () => {
    const denied = Object.assign(new Error('not authorized to perform: ecs:ListTasks'), {
      name: 'Ecs.AccessDeniedException',
    });
    const [failing, empty] = await Promise.all([
      run(
        { ...job, timeoutSeconds: 1 },
        { [S.executeContainer]: [HANG], [S.listTimedOutTask]: () => denied },
      ),
      run(
        { ...job, timeoutSeconds: 1 },
        { [S.executeContainer]: [HANG], [S.listTimedOutTask]: [{ TaskArns: [] }] },
      ),
    ]);
    const list = {
      state: S.listTimedOutTask,
      request: { Cluster: VALUES.ClusterArn, StartedBy: placement.startedBy },
    };
    const timedOut = finished({ status: 'failed', message: 'timed out after 1 seconds', taskArn: '' });
    // Retried six times (as every AWS call of the machine), then given up.
    expect(failing).toEqual([started, runTask, ...Array(7).fill(list), timedOut]);
    expect(empty).toEqual([started, runTask, list, timedOut]);
  }, 10_000);

  it('stopped in the middle (StopExecution while the task runs), it ends aborted and reports nothing more: in AWS the node-events function reports it', async () => {
    const { execution, requests } = start(job, { [S.executeContainer]: [HANG] });
    await expect.poll(() => requests.length).toBe(2);
    execution.abort();
    await expect(execution.result).rejects.toBeInstanceOf(ExecutionAbortedError);
    expect(requests).toEqual([started, runTask]);
  });
});

describe('the deployed NodeMachine: the cache', () => {
  const cached: JobSpec = {
    ...job,
    cache: {
      firstFp: 'a'.repeat(64),
      mainFsId: 'fs-x',
      maxExpiredTime: '-1',
      inputArtifacts: {},
      fsScope: [],
    },
  };
  const checkCache = (payloadJob: JobSpec) => ({
    state: S.checkCache,
    request: {
      FunctionName: VALUES.CacheCheckFunctionArn,
      Payload: { job: payloadJob, since: expect.any(String) },
    },
  });

  it('asks the cache-check function first, and reports a hit without running the job', async () => {
    const hit = {
      type: 'finished',
      key: 'train',
      attempt: 1,
      status: 'succeeded',
      message: 'cached',
      at: ENTERED,
    };
    const requests = await run(cached, {
      [S.checkCache]: [invoked({ outcome: 'hit', cacheId: 'cch-000001', event: hit })],
    });
    expect(requests).toEqual([
      checkCache(cached),
      {
        state: S.reportCacheHit,
        request: {
          QueueUrl: VALUES.MailboxQueueUrl,
          MessageGroupId: 'run-000123',
          MessageDeduplicationId: `${NAME}.finished`,
          MessageBody: { runId: 'run-000123', event: hit },
        },
      },
    ]);
    // The execution's start, which bounds how long the check waits for a cached job.
    expect(Date.parse((requests[0]!.request.Payload as { since: string }).since)).not.toBeNaN();
  });

  it('runs the job on a miss', async () => {
    const requests = await run(cached, {
      [S.checkCache]: [invoked({ outcome: 'miss', cacheId: 'cch-000002' })],
      [S.executeContainer]: [stoppedTask({ ExitCode: 0 })],
    });
    expect(requests.map((request) => request.state)).toEqual([
      S.checkCache,
      S.reportStarted,
      S.executeContainer,
      S.reportFinished,
    ]);
  });
});

describe('the deployed NodeMachine: lambda steps', () => {
  const lambdaJob: JobSpec = {
    ...job,
    command: '',
    lambda: {
      function: `arn:aws:lambda:${REGION_ACCOUNT}:function:floe-step-score`,
      payload: { rate: 0.5, name: 'x' },
    },
  };
  const invoke: Request = {
    state: S.executeLambda,
    request: { FunctionName: lambdaJob.lambda!.function, Payload: { rate: 0.5, name: 'x' } },
  };

  it("invokes the function with the payload and reports what it returned as the step's outputs", async () => {
    const requests = await run(lambdaJob, { [S.executeLambda]: [invoked({ score: 0.9, labels: ['a'] })] });
    expect(requests).toEqual([started, invoke, outputs({ score: 0.9, labels: ['a'] })]);
  });

  it("fails with the function's error, its type and what it said", async () => {
    const requests = await run(lambdaJob, { [S.executeLambda]: [functionError('ValueError', 'bad rate')] });
    expect(requests).toEqual([
      started,
      invoke,
      finished({
        status: 'failed',
        message:
          'ValueError: {"errorMessage":"bad rate","errorType":"ValueError","stackTrace":["ValueError: bad rate"]}',
        taskArn: '',
      }),
    ]);
  });

  it("retries a function's error per the step's policy, then reports what the next call returned", async () => {
    const requests = await run(
      { ...lambdaJob, retryDelays: [10] },
      { [S.executeLambda]: [functionError('TimeoutError', 'flaky'), invoked(7)] },
    );
    expect(requests).toEqual([
      started,
      invoke,
      retrying(
        1,
        'TimeoutError: {"errorMessage":"flaky","errorType":"TimeoutError","stackTrace":["TimeoutError: flaky"]}',
      ),
      invoke,
      outputs(7),
    ]);
  });
});

describe('the deployed NodeMachine: http steps', () => {
  const httpJob = (http: JobSpec['http']): JobSpec => ({ ...job, command: '', http });
  const request = (state: string, method: string, extra: Json = {}): Request => ({
    state,
    request: {
      ApiEndpoint: 'https://api.example.com/items',
      Method: method,
      Headers: { 'content-type': 'application/json', 'x-team': 'ml' },
      ...extra,
      Authentication: { ConnectionArn: VALUES.HttpConnectionArn },
    },
  });
  const call = (method: string, body?: string) =>
    httpJob({
      method,
      url: 'https://api.example.com/items',
      headers: { 'content-type': 'application/json', 'x-team': 'ml' },
      ...(body === undefined ? {} : { body }),
    });

  it('sends a POST with its JSON body, and reports the status and the answer as the outputs', async () => {
    const requests = await run(call('POST', '{"name":"x","n":1}'), {
      [S.executeHttpWithBody]: [answered(201, 'Created', { id: 7 })],
    });
    expect(requests).toEqual([
      started,
      request(S.executeHttpWithBody, 'POST', { RequestBody: '{"name":"x","n":1}' }),
      outputs({ status: 201, body: { id: 7 } }),
    ]);
  });

  it('sends a GET without a body, and reports an answer without a body (a 204) with an empty body', async () => {
    const get = await run(call('GET'), { [S.executeHttp]: [answered(200, 'OK', [1, 2])] });
    expect(get).toEqual([started, request(S.executeHttp, 'GET'), outputs({ status: 200, body: [1, 2] })]);
    const noContent = await run(call('DELETE'), { [S.executeHttp]: [answered(204, 'No Content')] });
    expect(noContent).toEqual([
      started,
      request(S.executeHttp, 'DELETE'),
      outputs({ status: 204, body: '' }),
    ]);
  });

  it('fails a non-2xx answer, naming the status', async () => {
    const error = Object.assign(
      new Error(
        JSON.stringify({ StatusCode: 500, StatusText: 'Internal Server Error', ResponseBody: 'down' }),
      ),
      { name: 'States.Http.StatusCode.500' },
    );
    const requests = await run(call('GET'), { [S.executeHttp]: [error] });
    expect(requests).toEqual([
      started,
      request(S.executeHttp, 'GET'),
      finished({
        status: 'failed',
        message:
          'States.Http.StatusCode.500: {"StatusCode":500,"StatusText":"Internal Server Error","ResponseBody":"down"}',
        taskArn: '',
      }),
    ]);
  });
});

describe('the deployed NodeMachine: approval steps', () => {
  it('waits on its task token in the mailbox, and reports the answer', async () => {
    const waiting: JobSpec = { ...job, command: '', wait: 'approval', timeoutSeconds: 600 };
    const result = { user: 'carol', at: ENTERED, decision: 'succeeded', data: { ticket: 7 } };
    const requests = await run(waiting, {
      // SendTaskSuccess's output, as the callback API sends it.
      [S.waitForCallback]: [{ status: 'succeeded', message: 'approved by carol', result }],
    });
    expect(requests).toEqual([
      started,
      report(S.waitForCallback, createHash('sha256').update(TOKEN).digest('hex'), {
        type: 'waiting',
        token: TOKEN,
      }),
      report(S.reportResolved, `${NAME}.finished`, {
        type: 'finished',
        status: 'succeeded',
        message: 'approved by carol',
        callback: result,
      }),
    ]);
  });
});
