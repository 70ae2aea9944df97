/**
 * The shape of PaddleFlow's pipeline YAML (reference/paddleflow.md §3.1–3.3), written once. The parser reads each
 * component with these definitions one level at a time (so an error names its component); the JSON Schema that
 * editors use is generated from the very same definitions, with the component recursion spelled out.
 * Keys are snake_case here; camelCase aliases are folded in before parsing (aliases.ts).
 */
import * as z from 'zod/mini';

const PARAM_TYPES = ['string', 'float', 'int', 'list', 'path'] as const;

const text = (description: string) => z.string().register(z.globalRegistry, { description });

const Scalar = z.union([z.string(), z.number()]);
/** A list value: numbers, strings and lists of them (PaddleFlow's loop arguments go one level deep). */
const ListValue = z.array(z.union([z.string(), z.number(), z.array(Scalar)]), {
  error: 'a list of numbers, strings or lists',
});

/** PaddleFlow's structs carry a hidden `id` (filled in by the server); a YAML may repeat it, and it is ignored. */
const hiddenId = z.optional(z.string());

const FsMountSchema = z.strictObject({
  name: text('The file system name (an fs of the run user).'),
  id: hiddenId,
  mount_path: z.optional(text('Where the fs appears inside the step.')),
  sub_path: z.optional(text('A directory inside the fs to mount instead of its root; no leading "/".')),
  read_only: z.optional(z.boolean()),
});

const CacheSchema = z.strictObject({
  enable: z.optional(z.boolean()),
  max_expired_time: z.optional(
    z.union([z.string(), z.int()], { error: 'an integer number of seconds (-1 for never)' }),
  ),
  fs_scope: z.optional(
    z.array(
      z.strictObject({
        name: text('An fs mounted by the step (main_fs or one of its extra_fs).'),
        id: hiddenId,
        path: z.optional(
          text('Comma-separated paths in that fs whose changes invalidate the cache; default "/".'),
        ),
      }),
    ),
  ),
});

const DictParamSchema = z.strictObject({
  type: z.enum(PARAM_TYPES),
  default: z.optional(z.union([z.string(), z.number(), ListValue])),
});

const ParamSchema = z.union([z.number(), z.string(), ListValue, DictParamSchema], {
  error: 'a number, a string, a list, or a typed param {type, default}',
});

const EnvValue = z.union([z.string(), z.number()], { error: 'a string or a number' });

const LoopArgumentSchema = z.union([z.string(), ListValue], {
  error: 'a list, a JSON list string, or a {{parameter}} / {{input_artifact}} template',
});

/** PaddleFlow's distributed step (a framework and its member roles); kept as given for the executor. */
const DistributedJobsSchema = z.looseObject({
  framework: z.optional(z.string()),
  members: z.optional(z.array(z.record(z.string(), z.unknown()))),
});

/** Floe: how a failed step is tried again (Step Functions' Retry: MaxAttempts, IntervalSeconds, BackoffRate). */
const RetrySchema = z.strictObject({
  max_attempts: z.int().register(z.globalRegistry, {
    description: 'Floe: how many times a failed step is tried again (0–10; not counting the first try).',
  }),
  interval: z.optional(
    z.number().register(z.globalRegistry, { description: 'Seconds before the first retry; default 1.' }),
  ),
  backoff: z.optional(
    z.number().register(z.globalRegistry, {
      description: 'Each wait is this many times the last (1–10); default 2.',
    }),
  ),
  max_interval: z.optional(
    z.number().register(z.globalRegistry, { description: 'The longest wait, in seconds.' }),
  ),
});

/** Floe: a step that runs no command and waits until the callback API (or its timeout) resolves it. */
const CallbackSchema = z.union([z.literal(true), z.strictObject({ message: z.optional(z.string()) })], {
  error: 'true or a map {message}',
});

const ApprovalSchema = z.strictObject({
  approvers: z.union([z.string(), z.array(z.string())], {
    error: 'a comma-separated string or a list of user names',
  }),
  message: z.optional(text('What the approvers are asked.')),
});

/** Floe: a gateway routes its downstream (bamboo's exclusive and conditional-parallel gateways). */
const GatewaySchema = z.strictObject({
  type: z.enum(['exclusive', 'parallel']),
  mode: z.optional(z.enum(['first', 'only'])),
  branches: z.array(
    z.strictObject({
      target: text('A sibling component that lists this gateway in its deps.'),
      condition: text("An expression over the gateway's parameters, input artifacts and system variables."),
    }),
  ),
  default: z.optional(text('The sibling taken when no branch condition holds.')),
});

/** Floe: a step that invokes a function instead of running a command. */
const LambdaSchema = z.strictObject({
  function: z.optional(
    text("The Lambda function name or ARN that AWS invokes (with the step's parameters as the payload)."),
  ),
  module: z.optional(
    text(
      "A JavaScript module exporting handler(event, context) that the local runtime runs instead: an absolute path or one relative to the step's working directory.",
    ),
  ),
});

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** Floe: a step that sends one HTTP request instead of running a command. */
const HttpSchema = z.strictObject({
  method: z.optional(z.enum(HTTP_METHODS).register(z.globalRegistry, { description: 'Default GET.' })),
  url: text('The URL, with {{templates}} as in a command (AWS calls HTTPS URLs only).'),
  headers: z.optional(
    z.record(z.string(), z.string()).register(z.globalRegistry, {
      description: 'Request headers; {{templates}} in the values.',
    }),
  ),
  body: z.optional(
    z
      .union([z.string(), z.record(z.string(), z.unknown())], { error: 'a string or a map' })
      .register(z.globalRegistry, {
        description:
          'The request body, with {{templates}}: a string as it is, a map as JSON (content-type application/json unless headers set one). Not with GET or HEAD.',
      }),
  ),
});

/** Fields every component has. */
const commonFields = {
  /** Accepted and ignored, as in PaddleFlow: the map key is the name. */
  name: z.optional(z.string()),
  type: z.optional(text('"step" or "dag" (case-insensitive); a component with entry_points is a dag.')),
  deps: z.optional(text('Comma-separated names of sibling components this one waits for.')),
  parameters: z.optional(z.record(z.string(), ParamSchema)),
  condition: z.optional(text('An expression over {{parameters}}, {{input artifacts}} and system variables.')),
  loop_argument: z.optional(LoopArgumentSchema),
};

function stepSchema() {
  return z.strictObject({
    ...commonFields,
    command: z.optional(z.string()),
    docker_env: z.optional(text('The image; inherits the pipeline docker_env.')),
    env: z.optional(z.record(z.string(), EnvValue)),
    rollback: z.optional(text('Floe: the command that undoes this step when the run fails or is revoked.')),
    retry: z.optional(RetrySchema),
    timeout: z.optional(
      z.int().register(z.globalRegistry, {
        description:
          'Floe: seconds a try (a command, a function call, a request, or a callback wait) may last before it fails.',
      }),
    ),
    callback: z.optional(CallbackSchema),
    approval: z.optional(ApprovalSchema),
    gateway: z.optional(GatewaySchema),
    lambda: z.optional(
      LambdaSchema.register(z.globalRegistry, {
        description:
          "Floe: a lambda step calls a function instead of running a command: AWS invokes `function`, the local runtime runs `module` (set at least one). The payload is the step's resolved parameters (with PF_LOOP_ARGUMENT in a loop); what the function returns is the step's outputs. It has no command, docker_env, env, output artifacts or cache; retry and timeout apply.",
      }),
    ),
    http: z.optional(
      HttpSchema.register(z.globalRegistry, {
        description:
          'Floe: an http step sends one request instead of running a command; a 2xx answer succeeds with outputs {status, body}, any other fails. It has no command, docker_env, env, extra_fs, output artifacts or cache; retry and timeout apply.',
      }),
    ),
    artifacts: z.optional(
      z.strictObject({
        input: z.optional(z.record(z.string(), z.string())),
        output: z.optional(
          z.union([z.array(z.string()), z.record(z.string(), z.string())], {
            error: 'a list of artifact names',
          }),
        ),
      }),
    ),
    cache: z.optional(CacheSchema),
    reference: z.optional(z.strictObject({ component: text('A name in the pipeline components.') })),
    extra_fs: z.optional(z.array(FsMountSchema)),
    distributed_jobs: z.optional(DistributedJobsSchema),
  });
}

/** `/runjson` steps may also name their flavour, queue and job type; they become env (§1.7). */
function runJsonStepSchema() {
  return z.extend(stepSchema(), {
    flavour: z.optional(text('Shorthand for env PF_JOB_FLAVOUR.')),
    queue: z.optional(text('Shorthand for env PF_JOB_QUEUE_NAME.')),
    job_type: z.optional(text('Shorthand for env PF_JOB_TYPE.')),
  });
}

/** `children` is the schema of the components in `entry_points`: shallow for parsing, recursive for editors. */
function dagSchema<C extends z.core.SomeType>(children: C) {
  return z.strictObject({
    ...commonFields,
    artifacts: z.optional(
      z.strictObject({
        input: z.optional(z.record(z.string(), z.string())),
        output: z.optional(z.record(z.string(), z.string())),
      }),
    ),
    entry_points: z.record(z.string(), children),
  });
}

function workflowSchema<C extends z.core.SomeType>(component: C) {
  return z.strictObject({
    name: text('The pipeline name: ^[A-Za-z_][A-Za-z0-9_-]{0,127}$.'),
    docker_env: z.optional(z.string()),
    entry_points: z.record(z.string(), component),
    components: z.optional(z.record(z.string(), component)),
    post_process: z.optional(z.record(z.string(), component)),
    cache: z.optional(CacheSchema),
    parallelism: z.optional(z.int()),
    disabled: z.optional(text('Comma-separated dotted component names to skip.')),
    failure_options: z.optional(z.strictObject({ strategy: z.optional(z.enum(['fail_fast', 'continue'])) })),
    fs_options: z.optional(
      z.strictObject({ main_fs: z.optional(FsMountSchema), extra_fs: z.optional(z.array(FsMountSchema)) }),
    ),
  });
}

/** `/runjson` adds run-level keys that are copied into every step (controller/pipeline/run.go). */
function runJsonSchema<C extends z.core.SomeType>(component: C) {
  return z.extend(workflowSchema(component), {
    username: z.optional(z.string()),
    description: z.optional(z.string()),
    flavour: z.optional(z.string()),
    queue: z.optional(z.string()),
    job_type: z.optional(z.string()),
    env: z.optional(z.record(z.string(), EnvValue)),
  });
}

/** What the parser reads a nested component as: any map, parsed on its own by the walker. */
const ShallowComponent = z.record(z.string(), z.unknown(), { error: 'a map' });

export const shallow = {
  step: stepSchema(),
  runJsonStep: runJsonStepSchema(),
  dag: dagSchema(ShallowComponent),
  workflow: workflowSchema(ShallowComponent),
  runJson: runJsonSchema(ShallowComponent),
};

export type RawStep = z.infer<typeof shallow.runJsonStep>;
export type RawDag = z.infer<typeof shallow.dag>;
export type RawWorkflow = z.infer<typeof shallow.runJson>;
export type RawCache = z.infer<typeof CacheSchema>;
export type RawFsMount = z.infer<typeof FsMountSchema>;
export type RawRetry = z.infer<typeof RetrySchema>;
export type RawGateway = z.infer<typeof GatewaySchema>;
export type RawLambda = z.infer<typeof LambdaSchema>;
export type RawHttp = z.infer<typeof HttpSchema>;
export type RawParam = z.infer<typeof ParamSchema>;

let jsonSchema: Record<string, unknown> | undefined;

/** The JSON Schema of the YAML format, for editors (`docs/pipeline.schema.json` is generated from this). */
export function pipelineJsonSchema(): Record<string, unknown> {
  jsonSchema ??= buildJsonSchema();
  return jsonSchema;
}

function buildJsonSchema(): Record<string, unknown> {
  const step = stepSchema();
  const component: z.ZodMiniType = z.union([
    z.strictObject({
      ...dagSchema(ShallowComponent).shape,
      get entry_points() {
        return z.record(z.string(), component);
      },
    }),
    step,
  ]);
  component.register(z.globalRegistry, {
    id: 'component',
    description: 'A step, or a dag when it has entry_points.',
  });
  const schema = z.toJSONSchema(workflowSchema(component), { unrepresentable: 'any' });
  return {
    ...schema,
    $id: 'https://floe.dev/schemas/pipeline.schema.json',
    title: 'Floe / PaddleFlow pipeline',
    description:
      'A PaddleFlow pipeline YAML (reference/paddleflow.md §3). A component with entry_points is a DAG; otherwise a step.',
  };
}
