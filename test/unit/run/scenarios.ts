/**
 * Random pipelines for property tests (random deps, DAG components, loops over lists, params and artifacts,
 * conditions, parallelism, failure strategy, post-process, a stop now and then), and their run by the
 * simulator with random outcomes in a random order.
 */
import fc from 'fast-check';
import { createRunState } from '../../../shared/engine/run/index.ts';
import type { PipelineSpec } from '../../../shared/engine/spec/index.ts';
import { prng, type SimOptions, simulate } from './simulator.ts';
import { context, type Doc, pipeline } from './support.ts';

interface Gen {
  kind: 'step' | 'dag';
  depsMask: number;
  loop: 'list' | 'param' | 'artifact' | null;
  loopLength: number;
  condition: boolean | null;
  children: Gen[];
}

const genArb = (depth: number): fc.Arbitrary<Gen> =>
  fc.record({
    kind: depth > 0 ? fc.constantFrom<'step' | 'dag'>('step', 'step', 'dag') : fc.constant<'step'>('step'),
    depsMask: fc.nat(),
    loop: fc.option(fc.constantFrom<'list' | 'param' | 'artifact'>('list', 'param', 'artifact', 'artifact'), {
      freq: 2,
    }),
    loopLength: fc.integer({ min: 1, max: 12 }),
    condition: fc.option(fc.boolean(), { freq: 2 }),
    children: depth > 0 ? fc.array(genArb(depth - 1), { minLength: 1, maxLength: 3 }) : fc.constant([]),
  });

/** A YAML map of components `c0…cn`, each depending on a random subset of the earlier ones. */
function level(gens: Gen[]): Doc {
  const doc: Doc = {};
  gens.forEach((gen, index) => {
    const deps = gens.slice(0, index).flatMap((_, dep) => ((gen.depsMask >> dep) & 1 ? [`c${dep}`] : []));
    const parameters: Doc = {};
    // Mostly 1 to 3 items; now and then none (that component fails).
    const items = Array.from({ length: gen.loopLength > 10 ? 0 : 1 + (gen.loopLength % 3) }, (_, i) => i + 1);
    // An artifact loop reads the `out` of an upstream single step without condition (§3.4 allows nothing else).
    const eligible = gens.findIndex(
      (other, at) => at < index && other.kind === 'step' && other.loop === null && other.condition === null,
    );
    const source = gen.loop === 'artifact' && eligible >= 0 ? `c${eligible}` : undefined;
    if (source && !deps.includes(source)) deps.push(source);
    const comp: Doc = { deps: deps.join(',') };
    if (gen.loop === 'list' || (gen.loop === 'artifact' && !source)) comp.loop_argument = items;
    if (gen.loop === 'param') {
      parameters.items = JSON.stringify(items);
      comp.loop_argument = '{{items}}';
    }
    if (gen.loop === 'artifact' && source) {
      comp.artifacts = { input: { src: `{{${source}.out}}` } };
      comp.loop_argument = '{{src}}';
    }
    if (gen.condition !== null) {
      parameters.flag = gen.condition ? 1 : 0;
      comp.condition = '{{flag}} == 1';
    }
    if (Object.keys(parameters).length) comp.parameters = parameters;
    if (gen.kind === 'dag') comp.entry_points = level(gen.children);
    else {
      comp.command = 'echo {{PF_STEP_NAME}} {{PF_LOOP_ARGUMENT}}';
      comp.artifacts = { ...(comp.artifacts as Doc), output: ['out'] };
    }
    doc[`c${index}`] = comp;
  });
  return doc;
}

export const scenarioArb = fc.record({
  top: fc.array(genArb(2), { minLength: 1, maxLength: 5 }),
  parallelism: fc.integer({ min: 1, max: 5 }),
  strategy: fc.constantFrom('fail_fast', 'continue'),
  post: fc.boolean(),
  failRate: fc.constantFrom(0, 0.15, 0.4),
  seed: fc.integer(),
  stop: fc.option(fc.record({ after: fc.integer({ min: 1, max: 40 }), force: fc.boolean() }), { freq: 3 }),
});
export type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

export function specOf(scenario: Scenario): PipelineSpec {
  return pipeline(level(scenario.top), {
    parallelism: scenario.parallelism,
    failure_options: { strategy: scenario.strategy },
    ...(scenario.post ? { post_process: { tidy: { command: 'echo tidy' } } } : {}),
  });
}

/** Runs a scenario to its end; `reconcile` stands in for the engine's (to check it against another). */
export function runScenario(scenario: Scenario, reconcile?: SimOptions['reconcile']) {
  const random = prng(scenario.seed);
  const spec = specOf(scenario);
  const outcomes = new Map<string, 'succeeded' | 'failed'>();
  const result = simulate(createRunState(spec, context('run-000007')), {
    random,
    outcome: (key) => {
      if (!outcomes.has(key)) outcomes.set(key, random() < scenario.failRate ? 'failed' : 'succeeded');
      return outcomes.get(key)!;
    },
    output: () => JSON.stringify(Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => i)),
    ...(scenario.stop ? { stop: scenario.stop } : {}),
    ...(reconcile ? { reconcile } : {}),
  });
  return { ...result, spec };
}
