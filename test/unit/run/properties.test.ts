/**
 * Properties over random pipelines (random deps, DAG components, loops over lists, params and artifacts,
 * conditions, parallelism, failure strategy, post-process) run by the simulator with random outcomes in a
 * random order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFinalNode, isFinalRun, type NodeState, type RunState } from '../../../shared/engine/run/index.ts';
import type { ComponentSpec, PipelineSpec } from '../../../shared/engine/spec/index.ts';
import { runScenario as run, scenarioArb } from './scenarios.ts';
import type { Step } from './simulator.ts';

const entry = (node: NodeState) => !node.key.startsWith('post:');
const active = (state: RunState) =>
  Object.values(state.nodes).filter(
    (n) => n.kind === 'step' && ['pending', 'running', 'terminating'].includes(n.status),
  );
const dispatched = (step: Step) => step.commands.flatMap((c) => (c.type === 'dispatch' ? [c.job.key] : []));

function componentOf(
  spec: PipelineSpec,
  node: NodeState,
): { comp: ComponentSpec; siblings: Record<string, ComponentSpec> } {
  let siblings = spec.entryPoints;
  const names = node.path.split('.');
  for (const name of names.slice(0, -1)) {
    const dag = siblings[name]!;
    siblings = dag.kind === 'dag' ? dag.entryPoints : {};
  }
  return { comp: siblings[names[names.length - 1]!]!, siblings };
}

const RUNS = { numRuns: 60 };

describe('reconcile over random pipelines', () => {
  it('ends every run, with every node final and every job ended', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { state, duplicates, jobsLeft, readsLeft } = run(scenario);
        expect(isFinalRun(state.status), `run ${state.status}`).toBe(true);
        for (const node of Object.values(state.nodes)) expect(isFinalNode(node.status), node.key).toBe(true);
        expect(duplicates).toEqual([]);
        expect(jobsLeft).toBe(0);
        expect(readsLeft).toBe(0);
      }),
      RUNS,
    );
  });

  it('dispatches each step once, only after its deps succeeded or were skipped, within parallelism', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { trace, spec } = run(scenario);
        const seen = new Set<string>();
        for (const step of trace) {
          expect(active(step.after).length).toBeLessThanOrEqual(spec.parallelism);
          for (const key of dispatched(step)) {
            const node = step.after.nodes[key]!;
            expect(seen.has(`${key}#${node.attempt}`), `${key} dispatched twice`).toBe(false);
            seen.add(`${key}#${node.attempt}`);
            if (!entry(node)) {
              expect(
                Object.values(step.after.nodes)
                  .filter(entry)
                  .every((n) => isFinalNode(n.status)),
              ).toBe(true);
              continue;
            }
            const { comp, siblings } = componentOf(spec, node);
            for (const dep of comp.deps) {
              const group = Object.values(step.after.nodes).filter(
                (n) => n.parentKey === node.parentKey && n.name === siblings[dep]!.name,
              );
              const expected = Math.max(1, ...group.map((n) => n.loopCount ?? 1));
              expect(group.length, `${key}: all iterations of ${dep} exist`).toBe(expected);
              for (const n of group)
                expect(['succeeded', 'skipped'], `${key} after ${n.key}`).toContain(n.status);
            }
            if (node.parentKey) expect(step.after.nodes[node.parentKey]!.status).toBe('running');
          }
        }
      }),
      RUNS,
    );
  });

  it('under fail_fast, dispatches nothing of the entry points once a node failed', () => {
    fc.assert(
      fc.property(
        scenarioArb.filter((s) => s.strategy === 'fail_fast' && s.failRate > 0),
        (scenario) => {
          const { trace, state } = run(scenario);
          for (const step of trace) {
            const failed = Object.values(step.before.nodes).some((n) => entry(n) && n.status === 'failed');
            if (!failed) continue;
            for (const key of dispatched(step))
              expect(key.startsWith('post:'), `${key} after a failure`).toBe(true);
          }
          if (Object.values(state.nodes).some((n) => entry(n) && n.status === 'failed'))
            expect(state.status).toBe('failed');
        },
      ),
      RUNS,
    );
  });

  it('after a stop, dispatches nothing more and ends terminated or failed', () => {
    fc.assert(
      fc.property(
        scenarioArb.filter((s) => s.stop !== null),
        (scenario) => {
          const { trace, state } = run(scenario);
          const index = trace.findIndex((step) => step.event.type === 'stop');
          if (index < 0) return; // the run ended before the stop
          const atStop = trace[index]!.before;
          const entryDone =
            Object.values(atStop.nodes).filter(entry).length > 0 &&
            Object.values(atStop.nodes)
              .filter(entry)
              .every((n) => isFinalNode(n.status));
          for (const step of trace.slice(index)) {
            for (const key of dispatched(step)) {
              // Only the post-process step may still start, and only after a stop without force.
              expect(key.startsWith('post:') && !scenario.stop!.force, `${key} after the stop`).toBe(true);
            }
          }
          if (isFinalRun(atStop.status)) return;
          if (!entryDone || scenario.stop!.force) expect(['terminated', 'failed']).toContain(state.status);
          if (scenario.stop!.force && scenario.post)
            expect(['terminated', 'cancelled']).toContain(state.nodes['post:tidy']?.status ?? 'cancelled');
        },
      ),
      RUNS,
    );
  });

  it('runs the post-process step after the entry points, unless the stop was forced', () => {
    fc.assert(
      fc.property(
        scenarioArb.filter((s) => s.post),
        (scenario) => {
          const { state } = run(scenario);
          const post = state.nodes['post:tidy'];
          expect(post).toBeDefined();
          if (!scenario.stop?.force) expect(['succeeded', 'failed', 'terminated']).toContain(post!.status);
        },
      ),
      RUNS,
    );
  });
});
