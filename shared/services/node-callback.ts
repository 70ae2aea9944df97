/**
 * Resolving callback and approval steps (Floe's extension): the step's execution waits on a task token; the
 * callback API answers it with data (SendTaskSuccess) or a failure (SendTaskFailure), and the execution
 * reports the node's end to the run as any step does. So the answer reaches the run through the one path
 * every result takes, and Step Functions (or the local runner) guarantees a token is answered once.
 *
 * An approval step is answered only by one of its approvers, who need not own the run; a callback step by
 * whoever may see the run. Callbacks to a revoked run are refused.
 */
import { checkControl } from '../engine/run/control.ts';
import { type CallbackResult, isFinalRun, type RunState } from '../engine/run/model.ts';
import { componentOfKey } from '../engine/run/tree.ts';
import type { StepSpec } from '../engine/spec/model.ts';
import { PfError } from '../errors.ts';
import { CALLBACK_FAILED_ERROR, type CallbackResolution } from '../machines/callback-states.ts';
import type { TaskTokens } from '../runtime/ports.ts';
import type { RunRepository } from '../store/runs.ts';
import { findVisibleRun } from './runs.ts';
import type { Actor } from './users.ts';

/** The data a callback may carry, as JSON: it travels in a queue message and an execution's state (256 KB each). */
const MAX_CALLBACK_DATA_BYTES = 32 * 1024;
/** SendTaskFailure's `cause` holds at most this many characters: a failure's whole resolution must fit. */
const MAX_FAILURE_CAUSE_CHARS = 32_768;

export interface CallbackRequest {
  decision: 'succeeded' | 'failed';
  message?: string;
  data?: Record<string, unknown>;
  /** Asked as `approve` or `reject`: only an approval step takes it. */
  asApproval?: boolean;
}

export interface CallbackDeps {
  runs: RunRepository;
  tokens: TaskTokens;
  now?: () => Date;
}

const isApprover = (step: StepSpec | undefined, user: string) =>
  step?.wait?.kind === 'approval' &&
  step.wait.approvers.some((name) => name.toLowerCase() === user.toLowerCase());

function describe(step: StepSpec, user: string, request: CallbackRequest): string {
  const approval = step.wait?.kind === 'approval';
  const ok = request.decision === 'succeeded';
  const verb = approval ? (ok ? 'approved' : 'rejected') : ok ? 'called back' : 'failed by a callback';
  return `${verb} by ${user}${request.message ? `: ${request.message}` : ''}`;
}

export class NodeCallbackService {
  constructor(private readonly deps: CallbackDeps) {}

  /** The callback or approval step `key` names in the run, refused with the reason when it is not one. */
  private waitStep(state: RunState, key: string, request: CallbackRequest): StepSpec {
    const comp = componentOfKey(state.spec, key);
    if (!comp) throw new PfError('RecordNotFound', `run[${state.runId}] has no node [${key}]`);
    if (comp.kind !== 'step' || !comp.wait)
      throw new PfError('InvalidArguments', `node [${key}] is not a callback or approval step`);
    if (request.asApproval && comp.wait.kind !== 'approval')
      throw new PfError(
        'InvalidArguments',
        `node [${key}] is a callback step: answer it with action=callback`,
      );
    return comp;
  }

  async resolve(actor: Actor, runId: string, key: string, request: CallbackRequest) {
    if (request.data && Buffer.byteLength(JSON.stringify(request.data)) > MAX_CALLBACK_DATA_BYTES)
      throw new PfError('InvalidArguments', `data is larger than ${MAX_CALLBACK_DATA_BYTES} bytes of JSON`);
    // An approver counts as an owner of the run for the approval steps naming them.
    const loaded = await findVisibleRun(
      actor,
      runId,
      (id) => this.deps.runs.load(id),
      (found) => {
        const comp = componentOfKey(found.state.spec, key);
        return isApprover(comp?.kind === 'step' ? comp : undefined, actor.name)
          ? actor.name
          : found.record.owner;
      },
    );
    const now = (this.deps.now?.() ?? new Date()).toISOString();
    // The run as the operators' queued actions leave it: a revoke accepted a moment ago refuses callbacks.
    const { state } = checkControl(loaded.state, loaded.record.requests ?? [], now);
    const step = this.waitStep(state, key, request);
    if (step.wait?.kind === 'approval' && !isApprover(step, actor.name))
      throw new PfError(
        'AccessDenied',
        `only [${step.wait.approvers.join(', ')}] may approve or reject node [${key}]`,
      );
    if (state.revokedBy !== undefined)
      throw new PfError(
        'ActionNotAllowed',
        `run[${runId}] was revoked by ${state.revokedBy}: callbacks are refused`,
      );
    if (isFinalRun(state.status))
      throw new PfError('ActionNotAllowed', `run[${runId}] is already ${state.status}`);
    const node = state.nodes[key];
    const token = node?.status === 'running' ? node.callback?.token : undefined;
    if (!token)
      throw new PfError(
        'ActionNotAllowed',
        `node [${key}] is not waiting for a callback (it is ${node ? node.status : 'not started'})`,
      );
    const result: CallbackResult = {
      user: actor.name,
      at: now,
      decision: request.decision,
      ...(request.message ? { message: request.message } : {}),
      ...(request.data ? { data: request.data } : {}),
    };
    const resolution: CallbackResolution = {
      status: request.decision,
      message: describe(step, actor.name, request),
      result,
    };
    const cause = JSON.stringify(resolution);
    if (request.decision === 'failed' && cause.length > MAX_FAILURE_CAUSE_CHARS)
      throw new PfError(
        'InvalidArguments',
        `a failed callback carries at most ${MAX_FAILURE_CAUSE_CHARS} characters of data and message (Step Functions' limit); this one has ${cause.length}`,
      );
    const answered =
      request.decision === 'succeeded'
        ? await this.deps.tokens.succeed(token, resolution)
        : await this.deps.tokens.fail(token, CALLBACK_FAILED_ERROR, cause);
    if (!answered)
      throw new PfError(
        'ActionNotAllowed',
        `node [${key}] no longer waits for a callback: it was answered, timed out or stopped`,
      );
    // `jobMessage`, as a node's message is named everywhere (a top-level `message` reads as an error).
    return {
      runID: runId,
      nodeKey: key,
      status: resolution.status,
      jobMessage: resolution.message,
      callback: result,
    };
  }
}
