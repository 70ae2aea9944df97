/**
 * The parser's front door: a YAML text or a `/runjson` body, plus what the run request overrides, in; the
 * resolved model out, or a SpecError naming the first rule broken. The rules run in PaddleFlow's order
 * (pkg/pipeline/workflow.go `validate`), so a document breaking two rules gets the error PaddleFlow gives.
 */

import { splitCommaList } from '../comma-list.ts';
import { isMap } from './aliases.ts';
import { compile } from './compile.ts';
import { checkComponentAttributes, checkComponentValues } from './component-rules.ts';
import { checkDisabled } from './disabled.ts';
import { readYamlDocument, withoutNulls } from './document.ts';
import { SpecError } from './errors.ts';
import { checkDeps } from './graph.ts';
import type { PipelineSpec } from './model.ts';
import { checkComponentName, checkPipelineName } from './names.ts';
import { applyRunParameters } from './overrides.ts';
import { checkPostProcess } from './post-process.ts';
import { checkComponentTemplates, checkReferenceStep } from './references.ts';
import { checkStepExtensions } from './step-kinds.ts';
import { checkStorage } from './storage.ts';
import { readTree, type Tree } from './structure.ts';
import { walk } from './walk.ts';

export interface ParseOptions {
  /** The run's file system (request `fsName`): the main fs when the YAML names none. */
  fsName?: string;
  /** Run parameters replacing the YAML's (`param`, `step.param`, `dag.child.param`). */
  parameters?: Record<string, unknown>;
  /** Request fields that replace the YAML's (§1.7): `name`, `dockerEnv`, `disabled`, `failureOptions`. */
  overrides?: { name?: string; dockerEnv?: string; disabled?: string; failureStrategy?: string };
}

function applyOverrides(document: Record<string, unknown>, overrides: ParseOptions['overrides'] = {}) {
  const copy = { ...document };
  if (overrides.name) copy.name = overrides.name;
  if (overrides.dockerEnv) copy.docker_env = overrides.dockerEnv;
  if (overrides.disabled) copy.disabled = overrides.disabled;
  if (overrides.failureStrategy) copy.failure_options = { strategy: overrides.failureStrategy };
  return copy;
}

/** `/runjson`'s run-level env, flavour, queue and job type reach every step that does not set them itself. */
function applyRunLevelEnv(tree: Tree) {
  const { workflow } = tree;
  const runEnv: Record<string, string> = Object.fromEntries(
    Object.entries(workflow.env ?? {}).map(([key, value]) => [key, String(value)]),
  );
  if (workflow.flavour !== undefined) runEnv.PF_JOB_FLAVOUR = workflow.flavour;
  if (workflow.queue !== undefined) runEnv.PF_JOB_QUEUE_NAME = workflow.queue;
  if (workflow.job_type !== undefined) runEnv.PF_JOB_TYPE = workflow.job_type;
  for (const section of [tree.entryPoints, tree.postProcess, tree.components]) {
    for (const { comp } of walk(section)) {
      // A reference step has no env of its own; its template step receives it.
      if (comp.kind !== 'step' || comp.reference !== undefined) continue;
      comp.env = { ...runEnv, ...comp.env };
    }
  }
}

function validate(tree: Tree, options: ParseOptions, mainFsName: string | undefined) {
  const sections = [tree.entryPoints, tree.postProcess, tree.components];
  checkComponentTemplates(tree);
  checkPipelineName(tree.workflow.name);
  for (const section of sections) {
    for (const { comp } of walk(section)) checkComponentName(comp.name, comp.path);
  }
  checkDeps(tree.entryPoints);
  checkDeps(tree.components);
  checkPostProcess(tree);
  applyRunParameters(tree, options.parameters ?? {});
  const disabled = splitCommaList(tree.workflow.disabled);
  checkDisabled(tree, disabled);
  const context = { tree, useFs: mainFsName !== undefined };
  for (const section of sections)
    for (const located of walk(section)) checkComponentAttributes(located, context);
  for (const section of sections) {
    for (const located of walk(section)) {
      if (section !== tree.components && disabled.includes(located.comp.path)) continue;
      checkReferenceStep(located.comp, tree.components);
      checkComponentValues(located, context);
    }
  }
  checkStepExtensions(tree);
  checkStorage(tree, mainFsName);
}

/** Validates a parsed document (YAML or `/runjson`) and compiles it. */
function parsePipelineDocument(
  document: Record<string, unknown>,
  form: { runJson: boolean },
  options: ParseOptions = {},
): { spec: PipelineSpec; tree: Tree } {
  const tree = readTree(applyOverrides(document, options.overrides), form);
  if (form.runJson) applyRunLevelEnv(tree);
  const mainFsName = tree.workflow.fs_options?.main_fs?.name || options.fsName || undefined;
  validate(tree, options, mainFsName);
  return { spec: compile(tree, mainFsName), tree };
}

export function parsePipelineYaml(text: string, options: ParseOptions = {}): PipelineSpec {
  return parsePipelineDocument(readYamlDocument(text), { runJson: false }, options).spec;
}

export interface RunJsonPipeline {
  spec: PipelineSpec;
  /** `/runjson`'s own run-level fields. */
  username?: string;
  description?: string;
}

export function parseRunJson(body: unknown, options: ParseOptions = {}): RunJsonPipeline {
  if (!isMap(body)) throw new SpecError('the /runjson body must be a JSON object describing the pipeline');
  const { spec, tree } = parsePipelineDocument(
    withoutNulls(body) as Record<string, unknown>,
    { runJson: true },
    options,
  );
  return { spec, username: tree.workflow.username, description: tree.workflow.description };
}
