import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Handler results: a status and an optional JSON body. PaddleFlow's "empty" successes have no body at all. */
export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

/**
 * PaddleFlow's Python SDK reads any 2xx body with a top-level `message` key as a failure, so a success must
 * never carry one: that is a bug in the handler, caught here rather than in a user's script.
 */
function successBody(body: unknown): string {
  if (typeof body === 'object' && body !== null && Object.hasOwn(body, 'message')) {
    throw new Error(
      'a successful response must not have a top-level "message" key (the PaddleFlow SDK fails on it)',
    );
  }
  return JSON.stringify(body);
}

export const ok = (body: unknown): HttpResult => ({ statusCode: 200, body: successBody(body) });

export const created = (body: unknown): HttpResult => ({ statusCode: 201, body: successBody(body) });

/** PaddleFlow's `RenderStatus`: 200 (or 201) with Content-Length 0. */
export const empty = (statusCode = 200): HttpResult => ({ statusCode, body: '' });
