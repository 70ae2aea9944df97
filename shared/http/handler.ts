import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { ResourceName, RouteKey } from '../routes.ts';
import type { Actor } from '../services/users.ts';
import { authentication, impersonationGuard } from './auth.ts';
import type { FloeContext, FloeEvent } from './context.ts';
import { errorResponse } from './error-response.ts';
import { jsonBody } from './json-body.ts';
import { requestId } from './request-id.ts';
import type { HttpResult } from './response.ts';
import { type RouteHandler, router } from './router.ts';

const logger = new Logger({ serviceName: 'floe' });

/**
 * What every Floe Lambda answers with, whatever it serves: the request id on every response and errors in
 * PaddleFlow's shape. The fallback handler is this chain alone.
 */
export function baseChain() {
  return middy<FloeEvent, HttpResult, Error, FloeContext>()
    .use(requestId())
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
