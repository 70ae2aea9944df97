/**
 * PaddleFlow's run shapes (reference/paddleflow.md §1.7): RunBrief for lists, RunDetail with its `runtime` and
 * `postProcess` views. `runtime` has the entry-points DAG removed: `{<top name>: [view per loop iteration]}`,
 * DAG views nest their children the same way under `entryPoints`. Only components that were scheduled or
 * decided appear, as in PaddleFlow.
 */
import { formatGoValue } from '../../shared/engine/format.ts';
import { jobName, rootDagId } from '../../shared/engine/run/ids.ts';
import { hasEnded, type NodeState, publicStatus } from '../../shared/engine/run/model.ts';
import { inTree, isPostKey, isRollbackKey, rolledBackKey, specOf } from '../../shared/engine/run/tree.ts';
import type { StepSpec } from '../../shared/engine/spec/model.ts';
import { localTimeOf } from '../../shared/http/time.ts';
import type { RunHead, RunRecord } from '../../shared/store/runs.ts';

export const runBrief = (run: RunHead) => ({
  runID: run.id,
  name: run.name,
  source: run.source,
  username: run.owner,
  fsName: run.fsName,
  description: run.description,
  scheduleID: run.scheduleId,
  runMsg: run.message,
  status: run.status,
  scheduledTime: localTimeOf(run.scheduledAt),
  createTime: localTimeOf(run.createdAt),
  activateTime: localTimeOf(run.activateTime),
  updateTime: localTimeOf(run.updatedAt),
});

const stringMap = (values: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, formatGoValue(value)]));

/** A halted step (debug mode) shows as the failed step it is, with its end time. */
const endTime = (node: NodeState) => (hasEnded(node.status) ? localTimeOf(node.endTime) : '');

interface ViewContext {
  run: RunRecord;
  children: Map<string, NodeState[]>;
  byKey: Map<string, NodeState>;
}

function parentDagId(node: NodeState, context: ViewContext): string {
  if (node.path.startsWith('post:')) return '';
  const parent = context.byKey.get(node.parentKey);
  return parent ? parent.id : rootDagId(context.run.id);
}

function jobView(node: NodeState, step: StepSpec | undefined, context: ViewContext) {
  const { run } = context;
  return {
    jobID: node.id,
    name: jobName(run.id, node.name, node.seq),
    type: 'step',
    stepName: node.name,
    parentDagID: parentDagId(node, context),
    command: node.command ?? '',
    parameters: stringMap(node.parameters),
    env: node.env ?? {},
    extraFS:
      step && step.extraFs.length > 0
        ? step.extraFs.map((mount) => ({
            name: mount.name,
            mountPath: mount.mountPath ?? '',
            subPath: mount.subPath ?? '',
            readOnly: mount.readOnly,
          }))
        : null,
    startTime: localTimeOf(node.startTime),
    endTime: endTime(node),
    status: publicStatus(node.status),
    deps: (step?.deps ?? []).join(','),
    dockerEnv: node.dockerEnv ?? step?.dockerEnv ?? '',
    artifacts: { input: node.inputArtifacts, output: node.outputArtifacts },
    cache: {
      enable: step?.cache.enable ?? false,
      maxExpiredTime: step?.cache.maxExpiredTime ?? '-1',
      fsScope: (step?.cache.fsScope ?? []).map((scope) => ({
        name: scope.name,
        id: run.context.fsIds[scope.name] ?? '',
        path: scope.path,
      })),
    },
    jobMessage: node.message,
    cacheRunID: node.cacheRunId ?? '',
    cacheJobID: node.cacheJobId ?? '',
    // Floe: what a lambda or http step returned.
    ...(node.outputs ? { outputs: node.outputs } : {}),
  };
}

type View = ReturnType<typeof jobView> | DagView;
interface DagView {
  id: string;
  name: string;
  type: 'dag';
  dagName: string;
  parentDagID: string;
  deps: string;
  parameters: Record<string, string>;
  artifacts: { input: Record<string, string>; output: Record<string, string> };
  startTime: string;
  endTime: string;
  status: string;
  message: string;
  entryPoints: Record<string, View[]>;
}

function viewOf(node: NodeState, context: ViewContext): View {
  const spec = specOf(context.run.spec, node);
  if (node.kind === 'step') return jobView(node, spec?.kind === 'step' ? spec : undefined, context);
  return {
    id: node.id,
    name: `dag-${jobName(context.run.id, node.name, node.seq)}`,
    type: 'dag',
    dagName: node.name,
    parentDagID: parentDagId(node, context),
    deps: (spec?.deps ?? []).join(','),
    parameters: stringMap(node.parameters),
    artifacts: { input: node.inputArtifacts, output: node.outputArtifacts },
    startTime: localTimeOf(node.startTime),
    endTime: endTime(node),
    status: publicStatus(node.status),
    message: node.message,
    entryPoints: groupViews(context.children.get(node.key) ?? [], context),
  };
}

function groupViews(nodes: NodeState[], context: ViewContext): Record<string, View[]> {
  const groups: Record<string, View[]> = {};
  const sorted = [...nodes].sort((a, b) => a.seq - b.seq);
  for (const node of sorted) {
    groups[node.name] ??= [];
    groups[node.name]!.push(viewOf(node, context));
  }
  return groups;
}

export function runDetail(run: RunRecord, nodes: NodeState[]) {
  const children = new Map<string, NodeState[]>();
  const byKey = new Map<string, NodeState>();
  for (const node of nodes) {
    byKey.set(node.key, node);
    if (!inTree(node.key)) continue;
    const siblings = children.get(node.parentKey) ?? [];
    siblings.push(node);
    children.set(node.parentKey, siblings);
  }
  const context: ViewContext = { run, children, byKey };
  const postProcess: Record<string, View> = {};
  // Floe's extension: the jobs that rolled back the run's steps, by the key of the step each undid.
  const rollback: Record<string, View> = {};
  for (const node of nodes) {
    if (isPostKey(node.key)) postProcess[node.name] = viewOf(node, context);
    else if (isRollbackKey(node.key)) rollback[rolledBackKey(node.key)] = viewOf(node, context);
  }
  const mainFs = run.context.mainFs;
  return {
    runID: run.id,
    name: run.name,
    source: run.source,
    username: run.owner,
    fsName: run.fsName,
    fsOptions: {
      mainFS: {
        id: mainFs?.id ?? '',
        name: mainFs?.name ?? '',
        mountPath: mainFs?.mountPath ?? '',
        subPath: mainFs?.subPath ?? '',
        readOnly: false,
      },
    },
    description: run.description,
    parameters: run.parameters,
    runYaml: run.runYaml,
    runtime: groupViews(children.get('') ?? [], context),
    postProcess,
    ...(Object.keys(rollback).length > 0 ? { rollback } : {}),
    failureOptions: { strategy: run.spec.failureStrategy },
    dockerEnv: run.spec.dockerEnv,
    disabled: run.spec.disabled.join(','),
    scheduleID: run.scheduleId,
    runMsg: run.message,
    status: run.status,
    runCachedIDs: run.runCachedIds.join(','),
    createTime: localTimeOf(run.createdAt),
    activateTime: localTimeOf(run.activateTime),
    updateTime: localTimeOf(run.updatedAt),
  };
}
