import {
  anyObject,
  array,
  body,
  boolean,
  filterParameter,
  map,
  noBody,
  nullable,
  object,
  oneOfStrings,
  operation,
  pathParameter,
  queryParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';
import { localTime, markerList } from '../components.ts';

const runID = pathParameter('runID', 'The run: `run-000001`.');

/** What refuses a run's pipeline, wherever it comes from. */
const START_ERRORS = [
  'InvalidArguments',
  'MalformedYaml',
  'InvalidPipeline',
  'InvalidNamePattern',
  'ReadYamlFileFailed',
] as const;

const RUN_ACTIONS = ['stop', 'retry', 'pause', 'resume', 'revoke', 'endDebug'] as const;

/** Fields JobView and DagView share. */
const componentFields = {
  name: string(),
  parentDagID: string(
    'The DAG it belongs to (the entry points DAG at the top); `""` for a post-process job.',
  ),
  deps: string('Its dependencies: a comma-separated list.'),
  parameters: map(string(), 'Resolved parameters, as text.'),
  artifacts: object({ input: ref('ArtifactPaths'), output: ref('ArtifactPaths') }),
  startTime: localTime,
  endTime: localTime,
  status: ref('ComponentStatus'),
};

export const runDoc: ResourceDoc<'run'> = {
  description:
    "PaddleFlow's runs: a pipeline executed. Floe adds run control (pause, resume, revoke, debug mode), " +
    'dry runs (`mock`) and rollback.',
  schemas: {
    CreateRunRequest: object(
      {
        fsName: string('The main fs: where `runYamlPath` is read from, and what steps mount.'),
        username: string('Root only: the user whose fs it is, and who the run acts as.'),
        name: string('Overrides the YAML `name`.'),
        desc: string(),
        parameters: nullable(
          map({}, 'Overrides: `<param>`, `<step>.<param>` or `<dag>.<sub>.<param>` → value.'),
        ),
        dockerEnv: string('Overrides the YAML `docker_env`.'),
        disabled: string('Components not to run: a comma-separated list (`a,b.c`).'),
        failureOptions: nullable(
          object({ strategy: string('`fail_fast` or `continue`.') }, { optional: 'all' }),
        ),
        runYamlRaw: string('The pipeline YAML, base64-encoded; first choice.'),
        pipelineID: string('A pipeline; second choice.'),
        pipelineVersionID: string('Its version; empty for the latest.'),
        runYamlPath: string('A path on `fsName`; last choice, default `./run.yaml`.'),
        scheduleID: string('Set by schedules.'),
        scheduledAt: string('Set by schedules: `YYYY-MM-DD HH:MM:SS`.'),
        debug: boolean('Floe: a failed step halts for an operator (retry, skip) instead of failing the run.'),
        mock: boolean('Floe: a dry run: every step resolved and shown, none run.'),
      },
      {
        optional: 'all',
        description:
          "PaddleFlow's CreateRunRequest. The pipeline comes from `runYamlRaw`, else `pipelineID`, else " +
          '`runYamlPath`; its format is `docs/pipeline.schema.json`.',
      },
    ),
    PipelineJson: anyObject(
      'The pipeline YAML as JSON (snake_case or camelCase keys; see `docs/pipeline.schema.json`), plus ' +
        "`username`, `description`, and `flavour`, `queue`, `jobType`, `env` copied into every step's env.",
    ),
    RunCreated: object({ runID: string() }),
    StopRunRequest: object(
      { stopForce: boolean('Read by `action=stop`: stop at once, without running post-process.') },
      { optional: 'all' },
    ),
    DeleteRunRequest: object(
      { checkCache: boolean("Default true: refuse when other runs reused this run's cache.") },
      { optional: 'all' },
    ),
    RunBrief: object(
      {
        runID: string(),
        name: string(),
        source: string('MD5 of the YAML, `<pipelineID>-<pipelineVersionID>`, or the YAML path.'),
        username: string(),
        fsName: string(),
        description: string(),
        scheduleID: string(),
        runMsg: string(),
        status: ref('RunStatus'),
        scheduledTime: localTime,
        createTime: localTime,
        activateTime: localTime,
        updateTime: localTime,
      },
      { description: "PaddleFlow's RunBrief." },
    ),
    RunList: markerList('runList', ref('RunBrief')),
    JobView: object(
      {
        jobID: string(),
        ...componentFields,
        type: oneOfStrings(['step']),
        stepName: string(),
        command: string(),
        env: ref('StringMap'),
        extraFS: nullable(
          array(object({ name: string(), mountPath: string(), subPath: string(), readOnly: boolean() })),
        ),
        dockerEnv: string(),
        cache: object({
          enable: boolean(),
          maxExpiredTime: string(),
          fsScope: array(object({ name: string(), id: string(), path: string() })),
        }),
        jobMessage: string(),
        cacheRunID: string('The run whose cached result this job took.'),
        cacheJobID: string(),
        outputs: anyObject(
          'Floe: what a lambda or http step that succeeded returned (an http step: `{status, body}`; a ' +
            'result that is not an object: `{result}`).',
        ),
      },
      { optional: ['outputs'], description: 'A step (job) in a run.' },
    ),
    DagView: object(
      {
        id: string(),
        ...componentFields,
        type: oneOfStrings(['dag']),
        dagName: string(),
        message: string(),
        entryPoints: map(array(ref('ComponentView')), 'Component name → one view per loop iteration.'),
      },
      { description: 'A DAG in a run.' },
    ),
    ComponentView: {
      oneOf: [ref('JobView'), ref('DagView')],
      discriminator: {
        propertyName: 'type',
        mapping: { step: '#/components/schemas/JobView', dag: '#/components/schemas/DagView' },
      },
    },
    RunDetail: object(
      {
        runID: string(),
        name: string(),
        source: string(),
        username: string(),
        fsName: string(),
        fsOptions: object({
          mainFS: object({
            id: string(),
            name: string(),
            mountPath: string(),
            subPath: string(),
            readOnly: boolean(),
          }),
        }),
        description: string(),
        parameters: nullable(map({}, 'The request parameters.')),
        runYaml: string('The YAML (or JSON) the run was created from.'),
        runtime: map(
          array(ref('ComponentView')),
          'Top-level component name → one view per loop iteration; only components that were scheduled.',
        ),
        postProcess: map(ref('JobView')),
        rollback: map(ref('JobView'), "Floe: the jobs that rolled back the run's steps, by the step's key."),
        failureOptions: object({ strategy: string() }),
        dockerEnv: string(),
        disabled: string(),
        scheduleID: string(),
        runMsg: string(),
        status: ref('RunStatus'),
        runCachedIDs: string("The runs that reused this run's cache: a comma-separated list."),
        createTime: localTime,
        activateTime: localTime,
        updateTime: localTime,
      },
      { optional: ['rollback'], description: "PaddleFlow's RunDetail." },
    ),
  },
  paths: {
    '/run': {
      get: operation({
        id: 'listRuns',
        summary: 'List runs',
        description: "The caller's own; root sees everyone's (and may filter by user).",
        paged: 'marker',
        parameters: [
          filterParameter('userFilter', "these users' runs (root only; ignored for anyone else)"),
          filterParameter('fsFilter', 'the runs on these file systems'),
          filterParameter('runFilter', 'these runs'),
          filterParameter('nameFilter', 'the runs of these names'),
          filterParameter('statusFilter', 'the runs in these statuses'),
        ],
        responses: { 200: body('A page of runs.', ref('RunList')) },
      }),
      post: operation({
        id: 'createRun',
        summary: 'Start a run',
        description:
          'The run is created and started; a failure to start it later shows on the run, not here. With ' +
          '`debug`, failed steps halt for an operator; with `mock`, nothing runs.',
        requestBody: { required: true, schema: ref('CreateRunRequest') },
        responses: { 201: body('The run was created.', ref('RunCreated')) },
        errors: { 400: [...START_ERRORS], 403: ['AccessDenied'], 404: ['PipelineNotFound'] },
      }),
    },
    '/runjson': {
      post: operation({
        id: 'createRunFromJson',
        summary: 'Start a run of a pipeline given as JSON',
        description:
          "The main fs is the pipeline's `fsOptions.mainFS.name`; `parameters`, `disabled` and the other " +
          'overrides of `POST /run` are not available.',
        requestBody: { required: true, schema: ref('PipelineJson') },
        responses: { 201: body('The run was created.', ref('RunCreated')) },
        errors: { 400: [...START_ERRORS], 403: ['AccessDenied'] },
      }),
    },
    '/run/{runID}': {
      get: operation({
        id: 'getRun',
        summary: 'Show a run',
        parameters: [runID],
        responses: { 200: body('The run with its jobs and DAGs.', ref('RunDetail')) },
        errors: { 403: ['AccessDenied'], 404: ['RunNotFound'] },
      }),
      put: operation({
        id: 'updateRun',
        summary: 'Stop, retry, pause, resume or revoke a run, or end its debug mode',
        description:
          '`stop` (PaddleFlow): stops its jobs; body `{stopForce}`. `retry` (PaddleFlow): a new run that ' +
          'keeps what succeeded; answers its id. Floe: `pause` (nothing new starts, running steps finish), ' +
          '`resume`, `revoke` (final: running steps are stopped, rollbacks run), `endDebug` (a debug run ' +
          "gives up on its halted steps and fails). An action the run's state does not allow is 403 " +
          'ActionNotAllowed, and changes nothing.',
        parameters: [
          runID,
          queryParameter('action', 'What to do.', { schema: oneOfStrings(RUN_ACTIONS), required: true }),
        ],
        requestBody: {
          required: false,
          description: 'Only `stop` reads a body.',
          schema: ref('StopRunRequest'),
        },
        responses: {
          200: body('`retry`: the new run. The other actions answer with no body at all.', ref('RunCreated')),
        },
        errors: {
          400: ['InvalidArguments'],
          403: ['AccessDenied', 'ActionNotAllowed'],
          404: ['RunNotFound'],
        },
      }),
      delete: operation({
        id: 'deleteRun',
        summary: 'Delete a run',
        description: 'Only a run in a final status.',
        parameters: [runID],
        requestBody: { required: false, schema: ref('DeleteRunRequest') },
        responses: { 200: noBody('The run was deleted.') },
        errors: { 403: ['AccessDenied', 'ActionNotAllowed'], 404: ['RunNotFound'] },
      }),
    },
  },
};
