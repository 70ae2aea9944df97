/**
 * What each event changes. Every event is idempotent: one about a final node, another attempt, an unknown
 * key or an answer nobody waits for changes nothing.
 */

import { applyControl } from './control.ts';
import type { Draft } from './draft.ts';
import { begin, expandGroup } from './expand.ts';
import { jobSpecOf } from './job.ts';
import { isFinalRun, type NodeState, type RunEvent } from './model.ts';
import { haltsOnFailure, requestRead } from './nodes.ts';
import { stopRun } from './stop.ts';
import { ACTIVE_STEP, specOf } from './tree.ts';

/**
 * Start the run, or re-issue every command the state implies (level-triggered recovery after a crash or a
 * lost message): dispatch pending steps, kill terminating ones, read what nodes wait for.
 */
function resume(draft: Draft) {
  if (draft.status === 'pending') draft.setRun({ status: 'running', activateTime: draft.now });
  if (isFinalRun(draft.status)) return;
  for (const node of draft.all()) {
    if (node.kind === 'step' && node.status === 'pending')
      draft.emit({ type: 'dispatch', job: jobSpecOf(draft, node) });
    if (node.kind === 'step' && node.status === 'terminating')
      draft.emit({ type: 'kill', key: node.key, attempt: node.attempt });
    if (node.waitingFor) requestRead(draft, node);
  }
}

function artifactsRead(draft: Draft, event: Extract<RunEvent, { type: 'artifactsRead' }>) {
  const node = draft.node(event.key);
  const waiting = node?.waitingFor;
  if (!node || !waiting) return;
  // An answer must cover what the node waits for (or say why it cannot): a stale answer to another read
  // is ignored, and the node's own answer may come yet.
  if (event.error === undefined && !waiting.paths.every((path) => path in event.contents)) return;
  const comp = specOf(draft.spec, node);
  if (!comp) return;
  const answer = { contents: event.contents, ...(event.error === undefined ? {} : { error: event.error }) };
  if (waiting.purpose === 'loop') expandGroup(draft, node.parentKey, comp, answer);
  else begin(draft, node, comp, answer);
}

/** §4.9: artifact events of a step, when it has any of that kind. */
function recordArtifacts(
  draft: Draft,
  node: NodeState,
  kind: 'input' | 'output',
  artifacts: Record<string, string>,
) {
  if (Object.keys(artifacts).length === 0) return;
  draft.emit({ type: 'recordArtifacts', key: node.key, jobId: node.id, step: node.name, kind, artifacts });
}

/** The node's execution still runs this attempt (a late event of an earlier attempt changes nothing). */
function activeAttempt(draft: Draft, key: string, attempt: number): NodeState | undefined {
  const node = draft.node(key);
  if (node?.kind !== 'step' || node.attempt !== attempt || !ACTIVE_STEP.includes(node.status)) return;
  return node;
}

/** The job began: a pending step runs (its inputs are recorded); one being stopped already keeps its start. */
function started(draft: Draft, event: Extract<RunEvent, { type: 'started' }>) {
  const node = activeAttempt(draft, event.key, event.attempt);
  if (node?.status === 'pending') {
    draft.patch(node, { status: 'running', startTime: event.at });
    recordArtifacts(draft, node, 'input', node.inputArtifacts);
  } else if (node?.status === 'terminating' && !node.startTime) draft.patch(node, { startTime: event.at });
}

/**
 * A node's execution ended: with its job's outcome, or with a cached job's (§4.5), whose outputs the node
 * takes as its own. A cache hit never started, so its inputs are recorded here.
 */
function finished(draft: Draft, event: Extract<RunEvent, { type: 'finished' }>) {
  // Only an attempt still going takes a result: a late one, after a force-fail or a retry, is dropped.
  const node = activeAttempt(draft, event.key, event.attempt);
  if (!node) return;
  const result = resultOf(event);
  const status = result.tooLarge === undefined ? event.status : 'failed';
  const message = result.tooLarge ?? event.message ?? (status === 'succeeded' ? '' : node.message);
  const cached = event.cached;
  // A failure nobody asked for (a terminated step that was not being stopped is one) halts in debug mode.
  const failed = status === 'failed' || (status === 'terminated' && node.status !== 'terminating');
  const ended = draft.patch(
    node,
    {
      status: failed && haltsOnFailure(draft, node) ? 'halted' : status,
      message,
      startTime: node.startTime ?? event.at,
      endTime: event.at,
      ...(event.callback ? { callbackResult: event.callback } : {}),
      ...(result.outputs ? { outputs: result.outputs } : {}),
      ...(event.taskArn ? { taskArn: event.taskArn } : {}),
      ...(cached
        ? {
            cacheRunId: cached.runId,
            cacheJobId: cached.jobId,
            // The cached job's paths for the outputs this step declares (the same names: same fingerprint).
            outputArtifacts: Object.fromEntries(
              Object.entries(node.outputArtifacts).map(([name, path]) => [
                name,
                cached.outputArtifacts[name] ?? path,
              ]),
            ),
          }
        : {}),
    },
    // The token resolved nothing more once the execution ended.
    ['callback'],
  );
  if (cached && node.status === 'pending') recordArtifacts(draft, ended, 'input', ended.inputArtifacts);
  if (ended.status === 'succeeded') recordArtifacts(draft, ended, 'output', ended.outputArtifacts);
}

/** The most a lambda or http step's outputs may take, serialized: the size of a Step Functions error cause. */
export const MAX_OUTPUTS_BYTES = 32_768;

/**
 * A finished event's outputs as the node keeps them: a JSON object (a result of any other type as
 * `{result}`), or too large to keep (the node then fails, saying so).
 */
function resultOf(event: Extract<RunEvent, { type: 'finished' }>): {
  outputs?: Record<string, unknown>;
  tooLarge?: string;
} {
  if (!('outputs' in event) || event.status !== 'succeeded') return {};
  const value = event.outputs ?? null;
  const outputs =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { result: value };
  const bytes = new TextEncoder().encode(JSON.stringify(outputs)).length;
  if (bytes <= MAX_OUTPUTS_BYTES) return { outputs };
  return {
    tooLarge: `the step's outputs take ${bytes} bytes as JSON, more than the limit of ${MAX_OUTPUTS_BYTES} bytes`,
  };
}

/** A callback or approval step waits: its token is what the callback API resolves. */
function waiting(draft: Draft, event: Extract<RunEvent, { type: 'waiting' }>) {
  const node = activeAttempt(draft, event.key, event.attempt);
  if (!node || node.callback?.token === event.token) return;
  draft.patch(node, { callback: { token: event.token, since: event.at } });
}

/** A try failed and is tried again: the node counts its retries and says why the last one was made. */
function retrying(draft: Draft, event: Extract<RunEvent, { type: 'retrying' }>) {
  const node = activeAttempt(draft, event.key, event.attempt);
  if (!node || (node.retries ?? 0) >= event.retry) return;
  draft.patch(node, { retries: event.retry, message: `retry ${event.retry} after: ${event.message}` });
}

export function applyEvent(draft: Draft, event: RunEvent) {
  switch (event.type) {
    case 'resume':
      resume(draft);
      return;
    case 'stop':
      stopRun(draft, event.force);
      return;
    case 'artifactsRead':
      artifactsRead(draft, event);
      return;
    case 'started':
      started(draft, event);
      return;
    case 'finished':
      finished(draft, event);
      return;
    case 'waiting':
      waiting(draft, event);
      return;
    case 'retrying':
      retrying(draft, event);
      return;
    case 'control':
      applyControl(draft, event);
      return;
    case 'wake':
      return;
  }
}
