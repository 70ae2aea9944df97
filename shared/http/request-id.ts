import { randomUUID } from 'node:crypto';
import type { FloeMiddleware, FloeRequest } from './context.ts';

const REQUEST_ID_HEADER = 'x-pf-request-id';

/**
 * PaddleFlow's CheckRequestID: take `x-pf-request-id` or make one, echo it on every response, and mark every
 * response, even an empty one, as JSON.
 */
export function requestId(): FloeMiddleware {
  const stamp = (request: FloeRequest) => {
    if (!request.response) return;
    request.response.headers = {
      ...request.response.headers,
      'content-type': 'application/json',
      [REQUEST_ID_HEADER]: request.context.requestId,
    };
  };
  return {
    before: (request) => {
      request.context.requestId = request.event.headers?.[REQUEST_ID_HEADER] || randomUUID();
    },
    after: stamp,
    onError: stamp,
  };
}
