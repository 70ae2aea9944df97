/**
 * From a checked tree to the model: defaults applied (§3.1, §4.5), the image inherited, typed params reduced to
 * their values, reference steps replaced by their templates (parameters merged along the chain, paths re-rooted
 * under the referencing step), loop arguments classified.
 */

import { splitCommaList } from '../comma-list.ts';
import type {
  CacheSpec,
  ComponentSpec,
  FailureStrategy,
  FsMount,
  LoopArgument,
  ParamList,
  ParamSpec,
  PipelineSpec,
  StepSpec,
} from './model.ts';
import { checkDictValue, isDictParam } from './params.ts';
import type { RawCache, RawFsMount, RawParam } from './schema.ts';
import { approverNames } from './step-kinds.ts';
import type { Comp, Tree } from './structure.ts';
import { exactOwn } from './templates.ts';

const DEFAULT_PARALLELISM = 10;
const MAX_PARALLELISM = 20;

const normaliseParallelism = (value: number | undefined) =>
  value === undefined || value <= 0 ? DEFAULT_PARALLELISM : Math.min(value, MAX_PARALLELISM);

const toMount = (mount: RawFsMount): FsMount => ({
  name: mount.name,
  ...(mount.mount_path ? { mountPath: mount.mount_path } : {}),
  ...(mount.sub_path ? { subPath: mount.sub_path } : {}),
  readOnly: mount.read_only ?? false,
});

/**
 * The cache settings `raw` gives, over `inherited` (a step's over the pipeline's): what it sets wins (an
 * explicit `enable: false` too), scopes add up (§4.5).
 */
function toCache(raw: RawCache | undefined, inherited?: CacheSpec): CacheSpec {
  return {
    enable: raw?.enable ?? inherited?.enable ?? false,
    maxExpiredTime:
      raw?.max_expired_time === undefined || raw.max_expired_time === ''
        ? (inherited?.maxExpiredTime ?? '-1')
        : String(raw.max_expired_time),
    fsScope: [
      ...(raw?.fs_scope ?? []).map((scope) => ({ name: scope.name, path: scope.path || '/' })),
      ...(inherited?.fsScope ?? []),
    ],
  };
}

function toParam(name: string, raw: RawParam, where: string): ParamSpec {
  if (isDictParam(raw))
    return { type: raw.type, value: checkDictValue(raw, undefined, `parameter [${name}] of ${where}`) };
  return { value: raw as ParamSpec['value'] };
}

/** A list, a JSON list, or `{{name}}` of an input artifact (read at run time) or else of a parameter. */
function toLoopArgument(raw: unknown, inputArtifacts: Record<string, string>): LoopArgument | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return { kind: 'list', items: raw as ParamList };
  const text = raw as string;
  const name = exactOwn(text);
  if (name === null) return { kind: 'list', items: JSON.parse(text) as ParamList };
  return { kind: name in inputArtifacts ? 'artifact' : 'parameter', name };
}

const DEFAULT_RETRY_INTERVAL_SECONDS = 1;
const DEFAULT_BACKOFF_RATE = 2;

/** Floe's step extensions (retry, timeout, callback, approval, gateway, lambda, http) in the model's form. */
function stepExtensions(body: Comp): Partial<StepSpec> {
  const fields: Partial<StepSpec> = {};
  if (body.retry) {
    fields.retry = {
      maxAttempts: body.retry.max_attempts,
      intervalSeconds: body.retry.interval ?? DEFAULT_RETRY_INTERVAL_SECONDS,
      backoffRate: body.retry.backoff ?? DEFAULT_BACKOFF_RATE,
      ...(body.retry.max_interval === undefined ? {} : { maxIntervalSeconds: body.retry.max_interval }),
    };
  }
  if (body.timeout !== undefined) fields.timeoutSeconds = body.timeout;
  if (body.callback !== undefined) {
    const message = body.callback === true ? undefined : body.callback.message;
    fields.wait = { kind: 'callback', ...(message ? { message } : {}) };
  }
  if (body.approval) {
    const { approvers, message } = body.approval;
    fields.wait = { kind: 'approval', approvers: approverNames(approvers), ...(message ? { message } : {}) };
  }
  if (body.gateway) {
    const { type, mode, branches, default: fallback } = body.gateway;
    fields.gateway = {
      type,
      mode: mode ?? 'first',
      branches: branches.map(({ target, condition }) => ({ target, condition })),
      ...(fallback === undefined ? {} : { default: fallback }),
    };
  }
  if (body.lambda) {
    const { function: name, module } = body.lambda;
    fields.lambda = { ...(name ? { function: name } : {}), ...(module ? { module } : {}) };
  }
  if (body.http) {
    const { method, url, headers, body: requestBody } = body.http;
    fields.http = {
      method: method ?? 'GET',
      url,
      headers: { ...headers },
      ...(requestBody === undefined ? {} : { body: requestBody }),
    };
  }
  return fields;
}

class Compiler {
  constructor(
    private readonly tree: Tree,
    private readonly dockerEnv: string,
    private readonly pipelineCache: CacheSpec,
  ) {}

  /** The template chain of a reference step, nearest first, ending at the real component. */
  private chain(comp: Comp): Comp[] {
    const chain = [comp];
    let current = comp;
    while (current.reference !== undefined) {
      current = this.tree.components[current.reference]!;
      chain.push(current);
    }
    return chain;
  }

  component(comp: Comp, path: string, inheritsCache: boolean): ComponentSpec {
    const chain = this.chain(comp);
    const body = chain[chain.length - 1]!;
    const where = `${body.kind} [${path}]`;
    // The nearest setting wins: the referencing step's parameters over its template's, along the chain.
    const rawParameters = Object.assign({}, ...chain.map((c) => c.parameters).reverse()) as Record<
      string,
      RawParam
    >;
    const parameters = Object.fromEntries(
      Object.entries(rawParameters).map(([name, raw]) => [name, toParam(name, raw, where)]),
    );
    const loopArgument = toLoopArgument(body.loopArgument, body.inputArtifacts);
    const common = {
      name: comp.name,
      path,
      deps: comp.deps,
      parameters,
      inputArtifacts: { ...comp.inputArtifacts },
      ...(body.condition ? { condition: body.condition } : {}),
      ...(loopArgument ? { loopArgument } : {}),
      ...(comp.reference !== undefined ? { reference: comp.reference } : {}),
    };
    if (body.kind === 'dag') {
      return {
        ...common,
        kind: 'dag',
        entryPoints: this.children(body.children, path, inheritsCache),
        outputArtifacts: { ...body.outputArtifacts },
      };
    }
    return {
      ...common,
      kind: 'step',
      command: body.command ?? '',
      ...(body.rollback === undefined ? {} : { rollback: body.rollback }),
      ...stepExtensions(body),
      dockerEnv: body.dockerEnv || this.dockerEnv,
      env: { ...body.env },
      outputArtifacts: Object.keys(body.outputArtifacts),
      cache: toCache(body.cache, inheritsCache ? this.pipelineCache : undefined),
      extraFs: body.extraFs.map(toMount),
    };
  }

  children(
    map: Record<string, Comp>,
    parentPath: string,
    inheritsCache: boolean,
  ): Record<string, ComponentSpec> {
    return Object.fromEntries(
      Object.values(map).map((comp) => [
        comp.name,
        this.component(comp, parentPath ? `${parentPath}.${comp.name}` : comp.name, inheritsCache),
      ]),
    );
  }
}

export function compile(tree: Tree, mainFsName: string | undefined): PipelineSpec {
  const { workflow } = tree;
  const cache = toCache(workflow.cache);
  const dockerEnv = workflow.docker_env ?? '';
  const compiler = new Compiler(tree, dockerEnv, cache);
  const mainFs = workflow.fs_options?.main_fs;
  const postProcess = compiler.children(tree.postProcess, '', false) as Record<string, StepSpec>;
  return {
    name: workflow.name,
    dockerEnv,
    entryPoints: compiler.children(tree.entryPoints, '', true),
    postProcess,
    components: compiler.children(tree.components, '', true),
    cache,
    parallelism: normaliseParallelism(workflow.parallelism),
    disabled: splitCommaList(workflow.disabled),
    failureStrategy: (workflow.failure_options?.strategy ?? 'fail_fast') as FailureStrategy,
    fsOptions: {
      ...(mainFsName
        ? { mainFs: { ...(mainFs ? toMount(mainFs) : { readOnly: false }), name: mainFsName } }
        : {}),
      extraFs: (workflow.fs_options?.extra_fs ?? []).map(toMount),
    },
  };
}
