/**
 * Floe's step extensions (documented in the JSON Schema; a strict PaddleFlow parser rejects them): automatic
 * `retry` and `timeout`, `callback` and `approval` steps that wait instead of running a command, gateways
 * that route to the siblings after them (bamboo's exclusive and conditional-parallel gateways), and `lambda`
 * and `http` steps that call a function or send a request instead of running a command.
 */
import { splitCommaList } from '../comma-list.ts';
import { checkConditionExpression } from './component-rules.ts';
import { SpecError } from './errors.ts';
import type { Comp, Tree } from './structure.ts';
import { type Located, walk, where } from './walk.ts';

const MAX_RETRIES = 10;
const MAX_BACKOFF_RATE = 10;
/** Step Functions' longest execution (a Standard workflow runs at most a year). */
export const MAX_TIMEOUT_SECONDS = 365 * 24 * 60 * 60;

const fail = (message: string): never => {
  throw new SpecError(message);
};

/** The step kinds besides a command step a component may declare, by key. */
const KIND_KEYS = ['callback', 'approval', 'gateway', 'lambda', 'http'] as const;

/** What a step that runs no command cannot have, by kind (none may have output artifacts). */
const NOT_WITH: Record<(typeof KIND_KEYS)[number], string[]> = {
  callback: ['command', 'retry'],
  approval: ['command', 'retry'],
  gateway: ['command', 'rollback', 'retry', 'timeout', 'loop_argument'],
  // No container: no image, no environment, no distributed job. A lambda module may live on an extra fs.
  lambda: ['command', 'docker_env', 'env', 'distributed_jobs'],
  http: ['command', 'docker_env', 'env', 'extra_fs', 'distributed_jobs'],
};

/** Kinds whose result is not files: the cache (which restores output artifacts) has nothing to keep. */
const UNCACHED_KINDS: readonly string[] = ['lambda', 'http'];

/** An approval's approvers, a list or a comma-separated string, trimmed, empty names dropped. */
export const approverNames = (approvers: string | string[]): string[] =>
  Array.isArray(approvers)
    ? approvers.map((name) => name.trim()).filter((name) => name !== '')
    : splitCommaList(approvers);

function checkRetry(comp: Comp) {
  const { retry } = comp;
  if (!retry) return;
  const what = `retry of ${where(comp)}`;
  if (retry.max_attempts < 0 || retry.max_attempts > MAX_RETRIES)
    fail(`[max_attempts] of ${what} is ${retry.max_attempts}; it should be 0 to ${MAX_RETRIES}`);
  if (retry.interval !== undefined && retry.interval < 0)
    fail(`[interval] of ${what} is ${retry.interval}; it should be 0 or more seconds`);
  if (retry.backoff !== undefined && (retry.backoff < 1 || retry.backoff > MAX_BACKOFF_RATE))
    fail(`[backoff] of ${what} is ${retry.backoff}; it should be 1 to ${MAX_BACKOFF_RATE}`);
  if (retry.max_interval !== undefined && retry.max_interval < (retry.interval ?? 0))
    fail(`[max_interval] of ${what} is ${retry.max_interval}; it should be at least the interval`);
}

function checkTimeout(comp: Comp) {
  if (comp.timeout === undefined) return;
  if (comp.timeout < 1 || comp.timeout > MAX_TIMEOUT_SECONDS)
    fail(`[timeout] of ${where(comp)} is ${comp.timeout}; it should be 1 to ${MAX_TIMEOUT_SECONDS} seconds`);
}

function checkKind(comp: Comp) {
  const kinds = KIND_KEYS.filter((key) => comp[key] !== undefined);
  if (kinds.length > 1) fail(`${where(comp)} sets [${kinds.join(', ')}]; a step is one kind at a time`);
  const kind = kinds[0];
  if (!kind) return;
  const clash = NOT_WITH[kind].find((key) => comp.keys.has(key));
  const isKind = `${where(comp)} is ${/^[aeh]/.test(kind) ? 'an' : 'a'} ${kind} step`;
  if (clash) fail(`${isKind}, which runs no command, so it cannot have [${clash}]`);
  if (Object.keys(comp.outputArtifacts).length > 0)
    fail(`${isKind}, which runs no command, so it cannot have output artifacts`);
  if (kind === 'approval' && approverNames(comp.approval!.approvers).length === 0)
    fail(`[approvers] of ${where(comp)} is empty; name the users who may approve`);
  if (UNCACHED_KINDS.includes(kind) && comp.cache?.enable === true)
    fail(`${isKind}, which writes no files to cache, so it cannot enable [cache]`);
  if (kind === 'lambda' && !comp.lambda!.function && !comp.lambda!.module)
    fail(
      `[lambda] of ${where(comp)} sets neither [function] nor [module]; AWS invokes lambda.function, the local runtime runs lambda.module`,
    );
  if (kind === 'http') checkHttp(comp);
}

/** A request has a url, and a body only with a method that sends one. */
function checkHttp(comp: Comp) {
  const { url, method = 'GET', body } = comp.http!;
  if (url.trim() === '') fail(`[http.url] of ${where(comp)} is empty`);
  if (body !== undefined && (method === 'GET' || method === 'HEAD'))
    fail(
      `[http.body] of ${where(comp)} is set, but a ${method} request sends no body; use POST, PUT or PATCH`,
    );
}

/** A branch target (or the default) is a sibling that waits for the gateway. */
function checkTarget(gateway: Comp, siblings: Record<string, Comp>, target: string, what: string) {
  const sibling = siblings[target];
  if (!sibling || sibling === gateway)
    return fail(`${what} is [${target}], which is not a sibling of ${where(gateway)}`);
  if (!sibling.deps.includes(gateway.name))
    fail(`${what} is [${target}], which must list [${gateway.name}] in its deps`);
}

function checkGateway({ comp, siblings }: Located) {
  const { gateway } = comp;
  if (!gateway) return;
  if (comp.section !== 'entry_points')
    fail(`${where(comp)} is a gateway; gateways route to their siblings, so they belong in entry_points`);
  if (gateway.mode !== undefined && gateway.type !== 'exclusive')
    fail(
      `[gateway.mode] of ${where(comp)} is for exclusive gateways; a parallel gateway takes every branch that holds`,
    );
  if (gateway.branches.length === 0) fail(`[gateway.branches] of ${where(comp)} is empty`);
  const seen = new Set<string>();
  gateway.branches.forEach((branch, index) => {
    const what = `[gateway.branches[${index}].target] of ${where(comp)}`;
    checkTarget(comp, siblings, branch.target, what);
    if (seen.has(branch.target)) fail(`${what} is [${branch.target}] again; each branch has its own target`);
    seen.add(branch.target);
    checkConditionExpression(
      branch.condition,
      comp,
      `[gateway.branches[${index}].condition] [${branch.condition}] of ${where(comp)}`,
    );
  });
  if (gateway.default !== undefined) {
    const what = `[gateway.default] of ${where(comp)}`;
    checkTarget(comp, siblings, gateway.default, what);
    if (seen.has(gateway.default))
      fail(
        `${what} is [${gateway.default}], which is already a branch target; the default is taken when none is`,
      );
  }
}

export function checkStepExtensions(tree: Tree) {
  for (const section of [tree.entryPoints, tree.postProcess, tree.components]) {
    for (const located of walk(section)) {
      const { comp } = located;
      if (comp.kind !== 'step') continue;
      checkRetry(comp);
      checkTimeout(comp);
      checkKind(comp);
      checkGateway(located);
    }
  }
}
