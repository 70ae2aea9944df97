/**
 * The engine keeps indexes over a run's nodes (its roster, with the agenda of what to look at again) from one
 * pass to the next, remembered by the identity of the state's `nodes` record, and caches lookups by the spec
 * object. These caches must never change a result: a pass over the state the previous pass returned (roster
 * carried over) gives exactly what a pass over a fresh copy of it gives (roster and spec lookups rebuilt), and
 * reconciling one state twice gives the same result twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RunEvent, type RunState, reconcile } from '../../../shared/engine/run/index.ts';
import { runScenario, scenarioArb } from './scenarios.ts';

/** Reconciles as the engine does, checking the result against a twice-reconciled and a fresh-copy one. */
function checked(state: RunState, events: RunEvent[], now: string) {
  const kept = reconcile(state, events, now);
  // The first pass took the state's roster (and left it again only if nothing changed): this one builds its
  // own, unless nothing changed.
  const again = reconcile(state, events, now);
  const fresh = reconcile(structuredClone(state), events, now);
  expect(again.commands).toEqual(kept.commands);
  expect(again.state).toEqual(kept.state);
  expect(fresh.commands).toEqual(kept.commands);
  expect(fresh.state).toEqual(kept.state);
  return kept;
}

describe('indexes kept between passes', () => {
  it('give the results of indexes built afresh, at every pass of random runs', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        runScenario(scenario, checked);
      }),
      { numRuns: 60 },
    );
  });
});
