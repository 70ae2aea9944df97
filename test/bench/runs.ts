/**
 * How fast runs go on the local runtime: a 1,000-node wide DAG and a 200-step chain of `true` commands, each
 * step a sandboxed child process. Floe runs in this process (the same runtime `npm start` starts), so the
 * bench can read node times to the millisecond from the table and sample its own memory. Prints; asserts
 * nothing about time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localConfigFromEnv } from '../../infra/local/config.ts';
import { startLocalRuntime } from '../../infra/local/runtime.ts';
import { createRunState, type RunEvent, type RunState, reconcile } from '../../shared/engine/run/index.ts';
import { parsePipelineYaml } from '../../shared/engine/spec/index.ts';
import { RunEngine } from '../../shared/services/run-engine.ts';
import { tableFromEnv } from '../../shared/store/client.ts';
import { RunRepository } from '../../shared/store/runs.ts';
import { call, login } from '../support/floe-process.ts';
import { percentile } from './stats.ts';

export const wideDag = (width: number) =>
  `name: wide\ndocker_env: img\nparallelism: 20\nentry_points:\n${Array.from(
    { length: width },
    (_, i) => `  s${i}:\n    command: "true"\n`,
  ).join('')}`;

export const chain = (length: number) =>
  `name: chain\ndocker_env: img\nparallelism: 20\nentry_points:\n${Array.from(
    { length },
    (_, i) => `  s${i}:\n    command: "true"\n${i > 0 ? `    deps: s${i - 1}\n` : ''}`,
  ).join('')}`;

export interface RunFigures {
  nodes: number;
  seconds: number;
  nodesPerSecond: number;
  /** Wall time inside the run's consumer (load, reconcile, write, dispatch) per node. */
  consumerMsPerNode: number;
  /**
   * Nodes with deps: from the last dependency's end to the node's start. Nodes without deps wait for a
   * parallelism slot instead: from the end that freed the slot to the next start.
   */
  depToStart: { p50: number; p99: number; measured: 'dependency' | 'slot' };
  peakRssMb: number;
}

/** Pure `reconcile` cost per node, with every dispatched step finishing at once (no I/O at all). */
export function measureReconcile(yaml: string): { nodes: number; msPerNode: number } {
  const spec = parsePipelineYaml(yaml, { fsName: 'data' });
  const context = {
    runId: 'run-000001',
    userName: 'bench',
    fsIds: { data: 'fs-bench-data' },
    mainFs: { id: 'fs-bench-data', name: 'data', mountPath: '/mnt/data', subPath: '', readOnly: false },
  };
  const start = process.hrtime.bigint();
  let state: RunState = createRunState(spec, context);
  let events: RunEvent[] = [{ type: 'resume' }];
  let steps = 0;
  while (events.length > 0) {
    const at = new Date().toISOString();
    const result = reconcile(state, events, at);
    state = result.state;
    events = result.commands.flatMap((command): RunEvent[] => {
      if (command.type !== 'dispatch') return [];
      steps++;
      const { key, attempt } = command.job;
      return [
        { type: 'started', key, attempt, at },
        { type: 'finished', key, attempt, status: 'succeeded', at },
      ];
    });
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (state.status !== 'succeeded') throw new Error(`simulated run ended ${state.status}`);
  return { nodes: steps, msPerNode: ms / steps };
}

/** Times spent in `RunEngine.apply`, summed (wrapped for the bench only). */
function instrumentConsumer(): { total: () => number } {
  const original = RunEngine.prototype.apply;
  let total = 0;
  RunEngine.prototype.apply = async function (this: RunEngine, ...args: Parameters<RunEngine['apply']>) {
    const start = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      total += performance.now() - start;
    }
  };
  return { total: () => total };
}

export async function measureRuns(
  cases: { name: string; yaml: string }[],
): Promise<Record<string, RunFigures>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'floe-bench-runs-'));
  const fsDir = mkdtempSync(join(tmpdir(), 'floe-bench-fs-'));
  const consumer = instrumentConsumer();
  const runtime = await startLocalRuntime({ ...localConfigFromEnv({}), port: 0, dataDir });
  const api = `${runtime.url}/api/paddleflow/v1`;
  const figures: Record<string, RunFigures> = {};
  try {
    const root = await login(api, 'root', 'paddleflow');
    const fs = await call(api, 'POST', '/fs', {
      token: root,
      body: { name: 'data', url: `local://${fsDir}` },
    });
    if (fs.status !== 201) throw new Error(fs.text);
    const runs = new RunRepository(tableFromEnv());

    for (const { name, yaml } of cases) {
      let peakRss = process.memoryUsage.rss();
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
      }, 20);
      const consumerBefore = consumer.total();
      const started = performance.now();
      const reply = await call(api, 'POST', '/run', {
        token: root,
        body: { fsName: 'data', runYamlRaw: Buffer.from(yaml).toString('base64') },
      });
      if (reply.status !== 201) throw new Error(reply.text);
      const runId = reply.json.runID as string;
      for (;;) {
        // The head alone: the whole record carries the pipeline and YAML (100s of KB for 1,000 nodes), and
        // decoding it 50 times a second would load the very thread being measured.
        const run = await runs.head(runId);
        if (run && ['succeeded', 'failed', 'terminated'].includes(run.status)) {
          if (run.status !== 'succeeded') throw new Error(`${name} ended ${run.status}: ${run.message}`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const loaded = (await runs.load(runId))!;
      const nodes = Object.values(loaded.state.nodes);
      const spec = loaded.record.spec;
      const ends = new Map(nodes.map((node) => [node.name, Date.parse(node.endTime!)]));
      const withDeps = nodes.filter((node) => spec.entryPoints[node.name]!.deps.length > 0);
      let delays: number[];
      let measured: 'dependency' | 'slot';
      if (withDeps.length > 0) {
        measured = 'dependency';
        delays = withDeps.map((node) => {
          const ready = Math.max(...spec.entryPoints[node.name]!.deps.map((dep) => ends.get(dep)!));
          return Date.parse(node.startTime!) - ready;
        });
      } else {
        measured = 'slot';
        const starts = nodes.map((node) => Date.parse(node.startTime!)).sort((a, b) => a - b);
        const sortedEnds = [...ends.values()].sort((a, b) => a - b);
        const slots = spec.parallelism;
        delays = starts.slice(slots).map((start, i) => start - sortedEnds[i]!);
      }
      figures[name] = {
        nodes: nodes.length,
        seconds,
        nodesPerSecond: nodes.length / seconds,
        consumerMsPerNode: (consumer.total() - consumerBefore) / nodes.length,
        depToStart: { p50: percentile(delays, 50), p99: percentile(delays, 99), measured },
        peakRssMb: peakRss / 1024 / 1024,
      };
    }
  } finally {
    await runtime.close();
  }
  return figures;
}
