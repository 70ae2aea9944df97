import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Actor } from '../services/users.ts';
import type { HttpResult } from './response.ts';

/** The Lambda context, plus what Floe's middlewares learn about the request. */
export interface FloeContext extends Context {
  /** PaddleFlow's `x-pf-request-id`: the caller's, or a new UUID. */
  requestId: string;
  /** The authenticated caller; set by the auth middleware on every route but login. */
  actor?: Actor;
}

/** After the JSON body middleware, `body` holds parsed JSON (or stays undefined when the request had none). */
export type FloeEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };

export type FloeMiddleware = middy.MiddlewareObj<FloeEvent, HttpResult, Error, FloeContext>;
export type FloeRequest = middy.Request<FloeEvent, HttpResult, Error, FloeContext>;
