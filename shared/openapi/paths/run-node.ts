import {
  anyObject,
  array,
  body,
  boolean,
  integer,
  map,
  nullable,
  object,
  oneOfStrings,
  operation,
  pathParameter,
  queryParameter,
  type ResourceDoc,
  ref,
  type Schema,
  string,
} from '../build.ts';
import { localTime } from '../components.ts';

const runID = pathParameter('runID', 'The run.');
const nodeKey = pathParameter(
  'nodeKey',
  "The node's key as the engine names it, percent-encoded: `train`, `dag1[2].train`, `post:clean`.",
);

const NODE_ACTIONS = [
  'pause',
  'resume',
  'retry',
  'skip',
  'forceFail',
  'callback',
  'approve',
  'reject',
] as const;

/** bamboo's node states (reference/bamboo.md §3.1). */
const NODE_STATES = ['READY', 'SUSPENDED', 'RUNNING', 'FINISHED', 'FAILED', 'REVOKED'] as const;

/** What an attempt shows, current or archived. */
const attemptFields: Record<string, Schema> = {
  attempt: integer('1 for the first.'),
  jobID: string(),
  version: string('The attempt token: a result or callback of another attempt is dropped.'),
  loop: integer('The loop iteration.'),
  retry: integer('Retries before this attempt.'),
  skip: boolean(),
  startTime: localTime,
  finishTime: localTime,
  elapsedTime: integer('Seconds, until now while it runs.'),
  inputs: ref('NodeInputs'),
  outputs: ref('NodeOutputs'),
  ex_data: string('What went wrong, for a failed attempt; `""` otherwise.'),
  operator: ref('Operator'),
};

export const runNodeDoc: ResourceDoc<'runNode'> = {
  description:
    "Floe's node control and reads, after bamboo-pipeline's task service (reference/bamboo.md): a run's " +
    "state tree, one node's inputs and outputs, its attempts, and operators' actions on one node.",
  schemas: {
    NodeTree: object(
      {
        id: string('The node key.'),
        name: string(),
        kind: oneOfStrings(['step', 'dag']),
        jobID: string(),
        version: string('The attempt token.'),
        state: oneOfStrings(NODE_STATES, "bamboo's state."),
        status: ref('ComponentStatus'),
        loop: integer(),
        retry: integer("Retries so far: the operators' (each a new attempt) and its retry policy's."),
        skip: boolean(),
        paused: boolean('An operator paused it before it starts.'),
        autoRetries: integer("A step with a retry policy: the policy's retries in this attempt."),
        waitingSince: localTime,
        callback: ref('CallbackResult'),
        route: array(string(), 'A gateway that decided: the components it took.'),
        untakenBy: string('A component skipped because this gateway (its key) did not take it.'),
        jobMessage: string(),
        startTime: localTime,
        finishTime: localTime,
        elapsedTime: integer('Seconds.'),
        operator: ref('Operator'),
        children: map(ref('NodeTree'), "A DAG's nodes by key."),
      },
      {
        optional: ['operator', 'autoRetries', 'waitingSince', 'callback', 'route', 'untakenBy'],
        description:
          'A node, with its children when it is a DAG. `waitingSince`: a callback or approval step waiting ' +
          'for its answer; `callback`: the answer it got.',
      },
    ),
    RunStateTree: object(
      {
        id: string('The run id.'),
        name: string(),
        state: oneOfStrings(
          ['CREATED', 'RUNNING', 'NODE_SUSPENDED', 'SUSPENDED', 'FINISHED', 'FAILED', 'REVOKED'],
          "bamboo's pipeline state, with BK-SOPS's derived states.",
        ),
        status: ref('RunStatus'),
        runMsg: string(),
        debug: boolean(),
        pausedNodes: array(string(), 'Keys of the nodes paused ahead.'),
        revokedBy: string(),
        startTime: localTime,
        finishTime: localTime,
        elapsedTime: integer('Seconds.'),
        children: map(ref('NodeTree'), 'Top-level nodes by key.'),
      },
      { description: "A run's state tree (bamboo's get_pipeline_states, nested by DAG)." },
    ),
    NodeInputs: object(
      {
        parameters: map(ref('ParamValue')),
        inputArtifacts: ref('ArtifactPaths'),
        command: string(),
        env: ref('StringMap'),
        loopArgument: ref('ParamValue'),
      },
      { optional: ['loopArgument'], description: 'What a step was run with.' },
    ),
    NodeOutputs: object(
      {
        outputArtifacts: ref('ArtifactPaths'),
        data: anyObject("A callback step: the answer's data."),
        result: anyObject(
          'A lambda or http step that succeeded: what it returned (an http step: `{status, body}`; a result ' +
            'that is not an object: `{result}`).',
        ),
      },
      { optional: ['data', 'result'] },
    ),
    CallbackResult: object(
      {
        user: string('Who answered.'),
        at: string('When: an ISO 8601 instant.'),
        decision: oneOfStrings(['succeeded', 'failed']),
        message: string(),
        data: anyObject(),
      },
      { optional: ['message', 'data'], description: 'How a callback or approval step was answered.' },
    ),
    CallbackAnswer: object(
      {
        runID: string(),
        nodeKey: string(),
        status: oneOfStrings(['succeeded', 'failed'], 'How the step ends.'),
        jobMessage: string("What the step's message will say."),
        callback: ref('CallbackResult'),
      },
      { description: 'What `callback`, `approve` and `reject` answer.' },
    ),
    NodeDetail: {
      allOf: [
        ref('NodeTree'),
        object({ inputs: ref('NodeInputs'), outputs: ref('NodeOutputs'), ex_data: string() }),
      ],
      description:
        "A node: its place in the tree, inputs, outputs and error (bamboo's get_state and friends).",
    },
    UnreachedNode: object(
      {
        id: string(),
        name: string(),
        state: oneOfStrings(['READY', 'SUSPENDED']),
        status: oneOfStrings(['init']),
        paused: boolean(),
        retry: integer(),
        skip: boolean(),
        inputs: anyObject('Empty.'),
        outputs: anyObject('Empty.'),
        ex_data: string(),
      },
      { description: 'A node the run has not reached yet.' },
    ),
    NodeAttempt: object(
      {
        ...attemptFields,
        status: oneOfStrings(
          [
            'init',
            'pending',
            'running',
            'succeeded',
            'failed',
            'halted',
            'terminating',
            'terminated',
            'cancelled',
            'skipped',
          ],
          'How the attempt ended (`halted`: failed in a debug run, then retried or skipped).',
        ),
        endedBy: object(
          { action: string(), user: string(), at: string('ISO 8601.') },
          { description: 'The operator action that began the next attempt.' },
        ),
      },
      { optional: ['operator'], description: 'An archived attempt.' },
    ),
    CurrentAttempt: object(
      { ...attemptFields, status: ref('ComponentStatus') },
      { optional: ['operator'], description: 'The current attempt.' },
    ),
    NodeHistory: object({
      nodeKey: string(),
      histories: array(ref('NodeAttempt'), 'Earlier attempts, oldest first.'),
      current: nullable(ref('CurrentAttempt')),
    }),
    RetryNodeRequest: object(
      {
        parameters: map(ref('ParamValue'), 'New parameter values, kept by later attempts.'),
        env: map(string(), 'New env entries, kept by later attempts.'),
      },
      { optional: 'all' },
    ),
    SkipNodeRequest: object(
      {
        outputs: map(string(), 'Output artifact name → an fs path standing in for it.'),
        flows: array(string(), 'For a gateway: the branches (target component names) to take.'),
      },
      { optional: 'all' },
    ),
    ForceFailRequest: object({ message: string('Why; the job is stopped.') }, { optional: 'all' }),
    CallbackRequest: object(
      {
        status: oneOfStrings(['succeeded', 'failed'], 'How the step ends; default `succeeded`.'),
        data: anyObject("The step's result data: at most 32 KB of JSON."),
        message: { type: 'string', maxLength: 1024 },
      },
      { optional: 'all' },
    ),
    ApprovalRequest: object(
      {
        data: anyObject('At most 32 KB of JSON.'),
        message: { type: 'string', maxLength: 1024, description: "The approver's comment." },
      },
      { optional: 'all', description: '`approve` and `reject` take no `status`: the action says it.' },
    ),
  },
  paths: {
    '/run/{runID}/state': {
      get: operation({
        id: 'getRunState',
        summary: "Show a run's state tree",
        parameters: [runID],
        responses: { 200: body('The run and its nodes, nested by DAG.', ref('RunStateTree')) },
        errors: { 403: ['AccessDenied'], 404: ['RunNotFound'] },
      }),
    },
    '/run/{runID}/node/{nodeKey}': {
      get: operation({
        id: 'getNode',
        summary: 'Show a node',
        description: 'A node the run has not reached yet shows as READY (SUSPENDED when paused ahead).',
        parameters: [runID, nodeKey],
        responses: {
          200: body('The node.', { anyOf: [ref('NodeDetail'), ref('UnreachedNode')] }),
        },
        errors: { 403: ['AccessDenied'], 404: ['RunNotFound', 'RecordNotFound'] },
      }),
      put: operation({
        id: 'operateNode',
        summary: 'Act on a node',
        description:
          '`pause`: hold a node before it starts (it need not exist yet); `resume` releases it. `retry`: run ' +
          'a failed step of a debug run again, optionally with new inputs (RetryNodeRequest). `skip`: pass ' +
          "over a failed step of a debug run, or choose a gateway's branches (SkipNodeRequest). `forceFail`: " +
          'stop a running step and fail it (ForceFailRequest). These answer the node as it will be once the ' +
          'action is applied. `callback`: answer a waiting callback step (CallbackRequest); `approve` / ' +
          '`reject`: answer a waiting approval step (ApprovalRequest), for its approvers only, who need not ' +
          "own the run. These answer CallbackAnswer. An action the node's state does not allow is 403 " +
          'ActionNotAllowed and changes nothing.',
        parameters: [
          runID,
          nodeKey,
          queryParameter('action', 'What to do.', { schema: oneOfStrings(NODE_ACTIONS), required: true }),
        ],
        requestBody: {
          required: false,
          description: 'Depends on the action; none reads as `{}`.',
          schema: {
            anyOf: [
              ref('RetryNodeRequest'),
              ref('SkipNodeRequest'),
              ref('ForceFailRequest'),
              ref('CallbackRequest'),
              ref('ApprovalRequest'),
            ],
          },
        },
        responses: {
          200: body('The node, or for `callback`, `approve` and `reject` the answer given.', {
            anyOf: [ref('NodeDetail'), ref('UnreachedNode'), ref('CallbackAnswer')],
          }),
        },
        errors: {
          400: ['InvalidArguments'],
          403: ['AccessDenied', 'ActionNotAllowed'],
          404: ['RunNotFound', 'RecordNotFound'],
        },
      }),
    },
    '/run/{runID}/node/{nodeKey}/history': {
      get: operation({
        id: 'getNodeHistory',
        summary: "Show a node's attempts",
        parameters: [runID, nodeKey],
        responses: { 200: body('Every attempt of the node.', ref('NodeHistory')) },
        errors: { 403: ['AccessDenied'], 404: ['RunNotFound', 'RecordNotFound'] },
      }),
    },
  },
};
