import jsonBodyParser from '@middy/http-json-body-parser';
import type { FloeMiddleware } from './context.ts';

/**
 * Parses a JSON body with middy's parser (prototype-pollution safe, base64-aware). Like PaddleFlow's Go server
 * it ignores the Content-Type, and a request without a body keeps `body` undefined: whether a body is required
 * is the route's business.
 */
export function jsonBody(): FloeMiddleware {
  const parser = jsonBodyParser({ disableContentTypeCheck: true });
  return {
    before: (request) => {
      const body = request.event.body;
      if (body === undefined || body === null || body === '') {
        request.event.body = undefined;
        return;
      }
      return parser.before?.(request as never);
    },
  };
}
