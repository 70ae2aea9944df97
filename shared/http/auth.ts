import { PfError } from '../errors.ts';
import { type Actor, isRoot } from '../services/users.ts';
import { bodyField } from './body.ts';
import type { FloeMiddleware } from './context.ts';

const AUTH_HEADER = 'x-pf-authorization';

/** Every call but login carries `x-pf-authorization: <token>`; a missing token is 400, as in PaddleFlow. */
export function authentication(authenticate: (token: string) => Promise<Actor>): FloeMiddleware {
  return {
    before: async (request) => {
      const token = request.event.headers?.[AUTH_HEADER];
      if (!token) throw new PfError('AuthWithoutToken');
      request.context.actor = await authenticate(token);
    },
  };
}

/**
 * PaddleFlow's impersonation guard (`checkUserPermission`): a `userName` in a POST/PUT body (any casing) or in
 * the query of other methods names the user to act for; only root may name someone else.
 * Runs after the body is parsed.
 */
export function impersonationGuard(): FloeMiddleware {
  return {
    before: (request) => {
      const { event, context } = request;
      const actor = context.actor;
      if (!actor) return;
      const method = event.requestContext.http.method;
      const claimed =
        method === 'POST' || method === 'PUT'
          ? bodyField(event.body, 'userName')
          : event.queryStringParameters?.userName;
      if (typeof claimed !== 'string' || claimed === '' || isRoot(actor.name)) return;
      if (claimed.toLowerCase() !== actor.name.toLowerCase()) {
        throw new PfError('AuthIllegalUser', `user[${actor.name}] cannot act for user[${claimed}]`);
      }
    },
  };
}
