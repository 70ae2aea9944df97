/**
 * The run engine's one function (DESIGN.md, "The one idea"): state plus events in, next state plus commands
 * out. Pure and deterministic: no clock but `now`, no randomness, no I/O, and the input is never mutated.
 */

import type { PipelineSpec } from '../spec/model.ts';
import { Draft } from './draft.ts';
import { applyEvent } from './events.ts';
import type { ReconcileResult, RunContext, RunEvent, RunState } from './model.ts';
import { settle } from './settle.ts';

/** A new run: `pending` and empty until its first `resume` starts it. */
export function createRunState(spec: PipelineSpec, context: RunContext): RunState {
  return { runId: context.runId, status: 'pending', message: '', spec, context, nodes: {} };
}

/**
 * Applies the events in order, settling after each (as the mailbox delivers them one at a time), and returns
 * the next state (the same object when nothing changed; unchanged nodes keep their identity) and the
 * commands to carry out, in order.
 *
 * Settling once after all the events would be cheaper but not the same: a failure in one event stops
 * (fail_fast) what another event's settle would have dispatched first. Each settle visits only what the
 * events before it changed (see agenda.ts), so settling after each costs little.
 */
export function reconcile(state: RunState, events: RunEvent[], now: string): ReconcileResult {
  const draft = new Draft(state, now);
  settle(draft);
  for (const event of events) {
    applyEvent(draft, event);
    settle(draft);
  }
  return { state: draft.result(), commands: draft.commands, refused: draft.refused };
}
