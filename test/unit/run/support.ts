/**
 * Test helpers for the run engine: pipelines from YAML through the real parser, a run context, a `Run` that
 * keeps the state between `reconcile` calls, and a simulator standing in for the adapter (executor, fs).
 */
import { expect } from 'vitest';
import { stringify } from 'yaml';
import {
  type ControlOperation,
  createRunState,
  type JobSpec,
  type NodeState,
  type NodeStatus,
  type ReconcileResult,
  type RunCommand,
  type RunContext,
  type RunEvent,
  type RunState,
  reconcile,
} from '../../../shared/engine/run/index.ts';
import { type PipelineSpec, parsePipelineYaml } from '../../../shared/engine/spec/index.ts';

export type Doc = Record<string, unknown>;

export const MOUNT = '/home/paddleflow/storage/mnt/fs-root-data';

/** A pipeline named `ppl` with a main fs, so artifacts are allowed. */
export function pipeline(entryPoints: Doc, extra: Doc = {}): PipelineSpec {
  return parsePipelineYaml(
    stringify({
      name: 'ppl',
      docker_env: 'python:3.12',
      entry_points: entryPoints,
      fs_options: { main_fs: { name: 'data' } },
      ...extra,
    }),
  );
}

export function context(runId = 'run-000001', subPath = ''): RunContext {
  return {
    runId,
    userName: 'root',
    mainFs: { id: 'fs-root-data', name: 'data', mountPath: MOUNT, subPath, readOnly: false },
    fsIds: { data: 'fs-root-data', models: 'fs-root-models' },
  };
}

let clock = 0;
export const tick = () => new Date(Date.UTC(2024, 0, 1) + clock++ * 1000).toISOString();

export const dispatches = (commands: RunCommand[]) =>
  commands.filter((c): c is { type: 'dispatch'; job: JobSpec } => c.type === 'dispatch');
export const dispatchedKeys = (commands: RunCommand[]) => dispatches(commands).map((c) => c.job.key);
/** The jobs `commands` dispatch, by key. */
export const dispatchedJobs = (commands: RunCommand[]): Record<string, JobSpec> =>
  Object.fromEntries(dispatches(commands).map(({ job }) => [job.key, job]));

/** A run driven by hand: `send` reconciles and keeps the state; the helpers play the executor. */
export class Run {
  state: RunState;
  commands: RunCommand[] = [];

  constructor(spec: PipelineSpec, ctx: RunContext = context()) {
    this.state = createRunState(spec, ctx);
  }

  static of(state: RunState) {
    const run = Object.create(Run.prototype) as Run;
    run.state = state;
    run.commands = [];
    return run;
  }

  send(...events: RunEvent[]): RunCommand[] {
    const result = reconcile(this.state, events, tick());
    this.state = result.state;
    this.commands.push(...result.commands);
    return result.commands;
  }

  start() {
    return this.send({ type: 'resume' });
  }

  node(key: string): NodeState {
    const node = this.state.nodes[key];
    expect(node, `node ${key}`).toBeDefined();
    return node!;
  }

  status(key: string): NodeStatus | undefined {
    return this.state.nodes[key]?.status;
  }

  /** Key → status of every node. */
  statuses(): Record<string, NodeStatus> {
    return Object.fromEntries(Object.entries(this.state.nodes).map(([key, node]) => [key, node.status]));
  }

  finish(key: string, status: 'succeeded' | 'failed' | 'terminated' = 'succeeded', message?: string) {
    const { attempt } = this.node(key);
    const at = tick();
    return this.send(
      { type: 'started', key, attempt, at },
      { type: 'finished', key, attempt, status, at, ...(message ? { message } : {}) },
    );
  }

  /** Finishes every pending or running step, over and over, until none is left. */
  drain(outcome: (key: string) => 'succeeded' | 'failed' = () => 'succeeded') {
    for (let guard = 0; guard < 1000; guard++) {
      const next = Object.values(this.state.nodes).find(
        (node) => node.kind === 'step' && ['pending', 'running', 'terminating'].includes(node.status),
      );
      if (!next) return;
      this.finish(next.key, next.status === 'terminating' ? 'terminated' : outcome(next.key));
    }
    throw new Error('drain did not end');
  }
}

/** Freezes a state deeply, so a mutation by `reconcile` throws. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

let requests = 0;
/** An operator's action applied to the run (as the consumer applies a queued request). */
export function control(run: Run, operation: ControlOperation, user = 'alice'): ReconcileResult {
  const event = { type: 'control' as const, id: `req-${++requests}`, user, at: tick(), operation };
  const result = reconcile(run.state, [event], tick());
  run.state = result.state;
  run.commands.push(...result.commands);
  return result;
}

/** Expects the action to be refused with a reason matching `reason`, leaving the run exactly as it was. */
export function expectRefused(run: Run, operation: ControlOperation, reason: RegExp, kind = 'state') {
  const before = run.state;
  const result = control(run, operation);
  expect(Object.values(result.refused)).toEqual([{ kind, message: expect.stringMatching(reason) }]);
  expect(result.state).toBe(before);
  expect(result.commands).toEqual([]);
}
