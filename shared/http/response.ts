import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Handler results: a status and an optional JSON body. PaddleFlow's "empty" successes have no body at all. */
export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

export const ok = (body: unknown): HttpResult => ({ statusCode: 200, body: JSON.stringify(body) });

export const created = (body: unknown): HttpResult => ({ statusCode: 201, body: JSON.stringify(body) });

/** PaddleFlow's `RenderStatus`: 200 (or 201) with Content-Length 0. */
export const empty = (statusCode = 200): HttpResult => ({ statusCode, body: '' });
