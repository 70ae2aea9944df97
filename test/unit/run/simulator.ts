/**
 * A stand-in for the adapter: it carries out `reconcile`'s commands (jobs that start and end in a random
 * order, kills, artifact reads from an in-memory fs) and feeds the resulting events back, one at a time.
 * Every step of the way it checks what must hold for any event: the input state is not mutated, the event
 * applied a second time changes nothing, and no node object is replaced without a change.
 */
import { expect } from 'vitest';
import {
  type RunCommand,
  type RunEvent,
  type RunState,
  reconcile,
} from '../../../shared/engine/run/index.ts';
import { deepFreeze, tick } from './support.ts';

export interface Step {
  before: RunState;
  event: RunEvent;
  commands: RunCommand[];
  after: RunState;
}

export interface SimOptions {
  /** Uniform in [0, 1): picks the next thing to happen. */
  random: () => number;
  /** How a job ends when it is not killed. */
  outcome: (key: string) => 'succeeded' | 'failed';
  /** What a succeeding job writes to each of its output paths. */
  output?: (path: string) => string;
  /** Stop the run after this many events. */
  stop?: { after: number; force: boolean };
  /** What to reconcile with, when not the engine's own `reconcile` (a wrapper that checks it). */
  reconcile?: typeof reconcile;
}

interface Execution {
  key: string;
  attempt: number;
  started: boolean;
  killed: boolean;
  outputPaths: string[];
}

export function simulate(initial: RunState, options: SimOptions) {
  const trace: Step[] = [];
  const jobs = new Map<string, Execution>();
  const ended = new Set<string>();
  const reads: { key: string; paths: string[] }[] = [];
  const files = new Map<string, string>();
  const duplicates: string[] = [];
  let state = initial;
  let stopped = false;

  const carryOut = (commands: RunCommand[]) => {
    for (const command of commands) {
      if (command.type === 'dispatch') {
        const id = `${command.job.key}#${command.job.attempt}`;
        if (jobs.has(id) || ended.has(id)) duplicates.push(id);
        else jobs.set(id, { ...command.job, started: false, killed: false });
      } else if (command.type === 'kill') {
        const job = jobs.get(`${command.key}#${command.attempt}`);
        if (job) job.killed = true;
      } else if (command.type === 'readArtifacts') {
        reads.push({ key: command.key, paths: command.paths });
      }
    }
  };

  const apply = options.reconcile ?? reconcile;
  const deliver = (event: RunEvent) => {
    const before = deepFreeze(state);
    const result = apply(before, [event], tick());
    // Applied twice, an event (other than resume, which re-issues commands) changes nothing.
    if (event.type !== 'resume') {
      const again = apply(deepFreeze(result.state), [event], tick());
      expect(again.state).toBe(result.state);
      expect(again.commands).toEqual([]);
    }
    for (const [key, node] of Object.entries(result.state.nodes)) {
      const old = before.nodes[key];
      if (old && old !== node) expect(node, `node ${key} replaced without a change`).not.toEqual(old);
    }
    trace.push({ before, event, commands: result.commands, after: result.state });
    state = result.state;
    carryOut(result.commands);
  };

  deliver({ type: 'resume' });
  for (let guard = 0; guard < 10_000; guard++) {
    if (options.stop && !stopped && trace.length >= options.stop.after) {
      stopped = true;
      deliver({ type: 'stop', force: options.stop.force });
      continue;
    }
    const actions: (() => void)[] = [];
    for (const [id, job] of jobs) {
      const { key, attempt } = job;
      if (!job.started)
        actions.push(() => {
          job.started = true;
          deliver({ type: 'started', key, attempt, at: tick() });
        });
      actions.push(() => {
        jobs.delete(id);
        ended.add(id);
        const status = job.killed ? 'terminated' : options.outcome(key);
        if (status === 'succeeded')
          for (const path of job.outputPaths) files.set(path, options.output?.(path) ?? 'done');
        deliver({ type: 'finished', key, attempt, status, at: tick() });
      });
    }
    for (const [index, read] of reads.entries()) {
      actions.push(() => {
        reads.splice(index, 1);
        const contents = Object.fromEntries(read.paths.map((path) => [path, files.get(path) ?? null]));
        const missing = read.paths.filter((path) => !files.has(path));
        deliver({
          type: 'artifactsRead',
          key: read.key,
          contents,
          ...(missing.length ? { error: `no such file: ${missing.join(',')}` } : {}),
        });
      });
    }
    if (actions.length === 0) break;
    actions[Math.floor(options.random() * actions.length)]!();
  }
  return { state, trace, duplicates, stopped, jobsLeft: jobs.size, readsLeft: reads.length };
}

/** A small deterministic PRNG (mulberry32), so a fast-check seed reproduces a whole simulation. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
