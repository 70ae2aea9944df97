/**
 * The structural pass: reads a document level by level with the schema (schema.ts), deciding step or DAG by
 * the presence of `entry_points` as PaddleFlow does, and yields a tree of components with their full dotted
 * paths. No cross-component rule is checked here; rules.ts and friends do that on the tree.
 */

import { splitCommaList } from '../comma-list.ts';
import { formatGoFloat } from '../format.ts';
import { foldAliases, isMap } from './aliases.ts';
import { SpecError } from './errors.ts';
import { parseWith } from './issues.ts';
import {
  type RawCache,
  type RawDag,
  type RawFsMount,
  type RawGateway,
  type RawHttp,
  type RawLambda,
  type RawParam,
  type RawRetry,
  type RawStep,
  type RawWorkflow,
  shallow,
} from './schema.ts';

/** Which map of the document a component sits in: its rules differ (templates, post-process). */
export type Section = 'entry_points' | 'components' | 'post_process';

export interface Comp {
  kind: 'step' | 'dag';
  name: string;
  /** Dotted path within its section (`process.split`). */
  path: string;
  section: Section;
  deps: string[];
  parameters: Record<string, RawParam>;
  inputArtifacts: Record<string, string>;
  /** Step: names (values ignored); DAG: name → `{{child.artifact}}`. */
  outputArtifacts: Record<string, string>;
  condition?: string;
  loopArgument?: unknown;
  reference?: string;
  // Steps only:
  command?: string;
  rollback?: string;
  /** Floe's step extensions, as written. */
  retry?: RawRetry;
  timeout?: number;
  callback?: RawStep['callback'];
  approval?: RawStep['approval'];
  gateway?: RawGateway;
  lambda?: RawLambda;
  http?: RawHttp;
  dockerEnv?: string;
  env: Record<string, string>;
  cache?: RawCache;
  extraFs: RawFsMount[];
  /** The keys the YAML set on this component (for the `reference` step restrictions). */
  keys: Set<string>;
  // DAGs only:
  children: Record<string, Comp>;
}

export interface Tree {
  workflow: Omit<RawWorkflow, 'entry_points' | 'components' | 'post_process'>;
  entryPoints: Record<string, Comp>;
  components: Record<string, Comp>;
  postProcess: Record<string, Comp>;
}

/** Go stringifies env numbers; floats in their shortest form. */
const envValue = (value: string | number) => (typeof value === 'number' ? formatGoFloat(value) : value);

/** What every component reads the same way, step or DAG. */
const commonFields = (raw: RawDag | RawStep) => ({
  deps: splitCommaList(raw.deps),
  parameters: raw.parameters ?? {},
  inputArtifacts: raw.artifacts?.input ?? {},
  condition: raw.condition,
  loopArgument: raw.loop_argument,
});

const JOB_ENV_SHORTHANDS = {
  flavour: 'PF_JOB_FLAVOUR',
  queue: 'PF_JOB_QUEUE_NAME',
  job_type: 'PF_JOB_TYPE',
} as const;

function readComponent(
  name: string,
  value: unknown,
  parentPath: string,
  section: Section,
  runJson: boolean,
): Comp {
  const path = parentPath ? `${parentPath}.${name}` : name;
  if (!isMap(value)) throw new SpecError(`component [${path}] should be a map of its settings`);
  const isDag = 'entry_points' in value || 'entryPoints' in value;
  const where = `${isDag ? 'dag' : 'step'} [${path}]`;
  const folded = foldAliases(value, 'component', where);
  const declaredType = folded.type;
  if (typeof declaredType === 'string' && declaredType.toLowerCase() !== (isDag ? 'dag' : 'step')) {
    throw new SpecError(
      `${where} has type [${declaredType}], but a component is a dag exactly when it has entry_points`,
    );
  }
  const common = {
    name,
    path,
    section,
    keys: new Set(Object.keys(folded)),
    env: {} as Record<string, string>,
    extraFs: [] as RawFsMount[],
    children: {} as Record<string, Comp>,
  };
  if (isDag) {
    const dag = parseWith(shallow.dag, folded, where);
    const children: Record<string, Comp> = {};
    for (const [childName, child] of Object.entries(dag.entry_points)) {
      children[childName] = readComponent(childName, child, path, section, runJson);
    }
    return {
      ...common,
      ...commonFields(dag),
      kind: 'dag',
      outputArtifacts: dag.artifacts?.output ?? {},
      children,
    };
  }
  const step: RawStep = parseWith(runJson ? shallow.runJsonStep : shallow.step, folded, where);
  const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([key, v]) => [key, envValue(v)]));
  // The shorthands fill env only where env does not already say otherwise (PaddleFlow's ParseStep).
  for (const [key, envName] of Object.entries(JOB_ENV_SHORTHANDS)) {
    const shorthand = step[key as keyof typeof JOB_ENV_SHORTHANDS];
    if (shorthand !== undefined && !(envName in env)) env[envName] = shorthand;
  }
  const output = step.artifacts?.output;
  // The map form is PaddleFlow's too, but only with empty values: output paths are Floe's to choose.
  const valued = Object.entries(Array.isArray(output) ? {} : (output ?? {})).find(([, v]) => v !== '');
  if (valued) {
    throw new SpecError(
      `output artifact [${valued[0]}] of ${where} is given the value [${valued[1]}]; output paths are generated, so list names only (or map them to "")`,
    );
  }
  return {
    ...common,
    ...commonFields(step),
    kind: 'step',
    outputArtifacts: Object.fromEntries(
      (Array.isArray(output) ? output : Object.keys(output ?? {})).map((n) => [n, '']),
    ),
    reference: step.reference?.component,
    command: step.command,
    rollback: step.rollback,
    retry: step.retry,
    timeout: step.timeout,
    callback: step.callback,
    approval: step.approval,
    gateway: step.gateway,
    lambda: step.lambda,
    http: step.http,
    dockerEnv: step.docker_env,
    env,
    cache: step.cache,
    extraFs: step.extra_fs ?? [],
  };
}

function readSection(value: unknown, section: Section, runJson: boolean): Record<string, Comp> {
  const components: Record<string, Comp> = {};
  for (const [name, component] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    components[name] = readComponent(name, component, '', section, runJson);
  }
  return components;
}

/** Reads a whole document; `runJson` admits the run-level keys of `/runjson`. */
export function readTree(document: Record<string, unknown>, options: { runJson: boolean }): Tree {
  const folded = foldAliases(document, 'workflow', 'workflow');
  const schema = options.runJson ? shallow.runJson : shallow.workflow;
  const { entry_points, components, post_process, ...workflow } = parseWith(
    schema,
    folded,
    'workflow',
  ) as RawWorkflow;
  const postProcess = readSection(post_process, 'post_process', options.runJson);
  for (const step of Object.values(postProcess)) {
    if (step.kind !== 'step') throw new SpecError(`post_process [${step.path}] should be a step, not a dag`);
  }
  return {
    workflow,
    entryPoints: readSection(entry_points, 'entry_points', options.runJson),
    components: readSection(components, 'components', options.runJson),
    postProcess,
  };
}
