/**
 * Node-level control and reads (Floe's extension, reference/bamboo.md): a run's state tree, one node's state
 * with its inputs and outputs, its attempt history, and the operators' actions on one node:
 * `PUT /run/{runID}/node/{nodeKey}?action=pause|resume|retry|skip|forceFail`, and the answers to callback and
 * approval steps: `?action=callback|approve|reject`. A node key is the engine's
 * (`train`, `dag1[2].train`, `post:clean`), percent-encoded in the path.
 */
import * as z from 'zod/mini';
import { authenticate } from '../../shared/app/core.ts';
import { nodeCallbackService, runControlService } from '../../shared/app/run-control.ts';
import type { ControlOperation, RunState } from '../../shared/engine/run/model.ts';
import { componentOfKey } from '../../shared/engine/run/tree.ts';
import type { ParamValue } from '../../shared/engine/spec/model.ts';
import { PfError } from '../../shared/errors.ts';
import { readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { ok } from '../../shared/http/response.ts';
import type { CallbackRequest } from '../../shared/services/node-callback.ts';
import { attemptView, currentAttemptView, nodeDetail, stateTree, unreachedNode } from './views.ts';

const isParamValue = (value: unknown): value is ParamValue =>
  typeof value === 'string' ||
  (typeof value === 'number' && Number.isFinite(value)) ||
  (Array.isArray(value) && value.every(isParamValue));

const RetryBody = z.object({
  parameters: z.optional(z.record(z.string(), z.unknown())),
  env: z.optional(z.record(z.string(), z.string())),
});
const SkipBody = z.object({
  outputs: z.optional(z.record(z.string(), z.string())),
  flows: z.optional(z.array(z.string())),
});
const ForceFailBody = z.object({ message: z.optional(z.string()) });
const CallbackBody = z.object({
  data: z.optional(z.record(z.string(), z.unknown())),
  message: z.optional(z.string().check(z.maxLength(1024))),
  status: z.optional(z.enum(['succeeded', 'failed'])),
});

/** The answer to a callback or approval step: `callback` (status succeeded by default), `approve`, `reject`. */
function callbackRequestOf(action: string, body: unknown): CallbackRequest {
  const { data, message, status } = readBody(CallbackBody, bodyOf(body));
  if (action !== 'callback' && status !== undefined)
    throw new PfError('InvalidArguments', `status is for action=callback; ${action} says it already`);
  const decision = action === 'reject' || status === 'failed' ? 'failed' : 'succeeded';
  return {
    decision,
    ...(message ? { message } : {}),
    ...(data ? { data } : {}),
    ...(action === 'callback' ? {} : { asApproval: true }),
  };
}

const CALLBACK_ACTIONS = ['callback', 'approve', 'reject'];

/** An action's body is optional: none reads as `{}`. */
const bodyOf = (body: unknown) => (body === undefined || body === null ? {} : body);

function retryOperation(key: string, body: unknown): ControlOperation {
  const { parameters, env } = readBody(RetryBody, bodyOf(body));
  for (const [name, value] of Object.entries(parameters ?? {}))
    if (!isParamValue(value))
      throw new PfError(
        'InvalidArguments',
        `parameter [${name}] must be a string, a number or a list of them`,
      );
  return {
    op: 'retryNode',
    key,
    ...(parameters ? { parameters: parameters as Record<string, ParamValue> } : {}),
    ...(env ? { env } : {}),
  };
}

function operationOf(action: string | undefined, key: string, body: unknown): ControlOperation {
  switch (action) {
    case 'pause':
      return { op: 'pauseNode', key };
    case 'resume':
      return { op: 'resumeNode', key };
    case 'retry':
      return retryOperation(key, body);
    case 'skip': {
      const { outputs, flows } = readBody(SkipBody, bodyOf(body));
      return { op: 'skipNode', key, ...(outputs ? { outputs } : {}), ...(flows ? { flows } : {}) };
    }
    case 'forceFail': {
      const { message } = readBody(ForceFailBody, bodyOf(body));
      return { op: 'forceFail', key, ...(message ? { message } : {}) };
    }
    default:
      throw new PfError(
        'InvalidArguments',
        `invalid action[${action ?? ''}] for a node: expected pause, resume, retry, skip, forceFail, callback, approve or reject`,
      );
  }
}

/** A node as it is, or as the run has not reached it yet; 404 for a key no node of the run could have. */
function nodeView(state: RunState, key: string) {
  const node = state.nodes[key];
  if (node) return nodeDetail(state, node, new Date());
  const comp = componentOfKey(state.spec, key);
  if (!comp) throw new PfError('RecordNotFound', `run[${state.runId}] has no node [${key}]`);
  return unreachedNode(state, key, comp.name);
}

export const handler = resourceHandler(
  'runNode',
  {
    'GET /run/{runID}/state': async ({ actor, params }) => {
      const loaded = await runControlService().load(actor, params.runID!);
      return ok(stateTree(loaded.record, loaded.state, new Date()));
    },

    'GET /run/{runID}/node/{nodeKey}': async ({ actor, params }) => {
      const loaded = await runControlService().load(actor, params.runID!);
      return ok(nodeView(loaded.state, params.nodeKey!));
    },

    'PUT /run/{runID}/node/{nodeKey}': async ({ actor, params, query, body }) => {
      const key = params.nodeKey!;
      if (query.action && CALLBACK_ACTIONS.includes(query.action)) {
        const request = callbackRequestOf(query.action, body);
        return ok(await nodeCallbackService().resolve(actor, params.runID!, key, request));
      }
      const operation = operationOf(query.action, key, body);
      const { state } = await runControlService().operate(actor, params.runID!, operation);
      return ok(nodeView(state, key));
    },

    'GET /run/{runID}/node/{nodeKey}/history': async ({ actor, params }) => {
      const key = params.nodeKey!;
      const { loaded, attempts } = await runControlService().attempts(actor, params.runID!, key);
      const node = loaded.state.nodes[key];
      if (!node && !componentOfKey(loaded.state.spec, key))
        throw new PfError('RecordNotFound', `run[${params.runID}] has no node [${key}]`);
      return ok({
        nodeKey: key,
        histories: attempts.map(attemptView),
        current: node ? currentAttemptView(node, new Date()) : null,
      });
    },
  },
  { authenticate },
);
