import { PfError } from '../errors.ts';
import { gatewayPath, type ResourceName, type RouteKey, type RouteSpec, resources } from '../routes.ts';
import type { Actor } from '../services/users.ts';
import type { FloeContext, FloeEvent } from './context.ts';
import type { HttpResult } from './response.ts';

/** What a route handler sees: the request already authenticated, parsed and stripped of Lambda's detail. */
export interface ApiRequest {
  params: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body: unknown;
  /** The authenticated caller (login's route is the one without). */
  actor: Actor;
}

export type RouteHandler = (request: ApiRequest) => Promise<HttpResult>;

/**
 * Dispatches on the API Gateway route that matched (`routeKey`, e.g. `ANY /api/paddleflow/v1/user`) and the
 * method. The path is the gateway's to match; the method is ours, so a known path with a wrong method is
 * PaddleFlow's 405 MethodNotAllowed.
 */
export function router<R extends ResourceName>(resource: R, handlers: Record<RouteKey<R>, RouteHandler>) {
  const routes = resources[resource].routes as readonly RouteSpec[];
  const byGatewayPath = new Map(routes.map((route) => [gatewayPath(route), route]));
  const table = handlers as Record<string, RouteHandler>;

  return async (event: FloeEvent, context: FloeContext): Promise<HttpResult> => {
    const route = byGatewayPath.get(event.routeKey.slice(event.routeKey.indexOf(' ') + 1));
    if (!route) throw new PfError('PathNotFound');
    const method = event.requestContext.http.method.toUpperCase();
    const handler = table[`${method} ${route.path}`];
    if (!handler) throw new PfError('MethodNotAllowed');
    return handler({
      params: event.pathParameters ?? {},
      query: event.queryStringParameters ?? {},
      body: event.body,
      actor: context.actor as Actor,
    });
  };
}
