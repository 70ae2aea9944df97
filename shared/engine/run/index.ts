/**
 * The run engine (reference/paddleflow.md §3.5–§4.7): a run as a pure state machine over its DAG.
 *
 * - `createRunState` builds a new run, `reconcile` applies events and returns the next state and the commands
 *   the adapter carries out, `retryRunState` builds PaddleFlow's retry of a final run.
 * - `executionName` names a node attempt's execution (`<run>.<key>.<attempt>`, ≤ 80 characters).
 */
export { checkControl } from './control.ts';
export { executionName } from './ids.ts';
export * from './model.ts';
export { createRunState, reconcile } from './reconcile.ts';
export { retryRunState } from './retry.ts';
