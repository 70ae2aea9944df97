import middy from '@middy/core';
import { observability } from '../observability/handler.ts';
import { logger } from '../observability/logger.ts';
import type { ResourceName, RouteKey } from '../routes.ts';
import type { Actor } from '../services/users.ts';
import { authentication, impersonationGuard } from './auth.ts';
import type { FloeContext, FloeEvent, FloeMiddleware } from './context.ts';
import { errorResponse } from './error-response.ts';
import { jsonBody } from './json-body.ts';
import { requestId } from './request-id.ts';
import type { HttpResult } from './response.ts';
import { type RouteHandler, router } from './router.ts';

/** Path and query parameters that name what a request is about, and the log keys they become. */
const LOG_KEYS: Record<string, string> = {
  runID: 'runId',
  nodeKey: 'nodeKey',
  taskId: 'taskId',
  jobID: 'jobId',
};

/** Every log line of the request names it (PaddleFlow's request id) and the run or job it is about. */
function requestLogKeys(): FloeMiddleware {
  return {
    before: ({ event, context }) => {
      const keys: Record<string, string> = { requestId: context.requestId };
      for (const parameters of [event.pathParameters, event.queryStringParameters]) {
        for (const [name, value] of Object.entries(parameters ?? {})) {
          const key = LOG_KEYS[name];
          if (key && value) keys[key] = value;
        }
      }
      logger.appendKeys(keys);
    },
  };
}

/**
 * What every Floe Lambda answers with, whatever it serves: Powertools (logs, traces, metrics), the request id
 * on every response and errors in PaddleFlow's shape. The fallback handler is this chain alone.
 */
export function baseChain() {
  return middy<FloeEvent, HttpResult, Error, FloeContext>()
    .use(observability())
    .use(requestId())
    .use(requestLogKeys())
    .use(errorResponse((message, error) => logger.error(message, error as Error)));
}

export interface HandlerOptions {
  /** Resolves a token to its user; omitted only for login. */
  authenticate?: (token: string) => Promise<Actor>;
  /**
   * PaddleFlow's impersonation guard reads `userName` from bodies. The user resource opts out: there
   * `username` names the user being created, not the caller to act for.
   */
  guardImpersonation?: boolean;
}

/**
 * One Lambda handler for one resource: request id → PaddleFlow errors → auth → JSON body → impersonation
 * guard → router. The same handler serves API Gateway in AWS and the local gateway.
 */
export function resourceHandler<R extends ResourceName>(
  resource: R,
  handlers: Record<RouteKey<R>, RouteHandler>,
  options: HandlerOptions = {},
) {
  const chain = baseChain();
  if (options.authenticate) chain.use(authentication(options.authenticate));
  chain.use(jsonBody());
  if (options.authenticate && options.guardImpersonation !== false) chain.use(impersonationGuard());
  return chain.handler(router(resource, handlers));
}
