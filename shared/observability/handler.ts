/**
 * Powertools on every Floe function, written once: the logger gets the Lambda context (and drops the keys a
 * handler appended when the invocation ends), X-Ray traces the handler (in Lambda only, see tracer.ts), and
 * the invocation's metrics are flushed when it ends. The HTTP chain (shared/http/handler.ts) starts with
 * these; the other functions are wrapped with `lambdaHandler`.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from './logger.ts';
import { metrics } from './metrics.ts';
import { tracer } from './tracer.ts';

export function observability() {
  return [
    injectLambdaContext(logger, { resetKeys: true }),
    // Responses stay out of traces: a login's carries a token.
    ...(tracer ? [captureLambdaHandler(tracer, { captureResponse: false })] : []),
    logMetrics(metrics),
  ];
}

/**
 * A function that is not behind the API (SQS, EventBridge, Step Functions), with Powertools around it. The
 * context is optional: the local runtime invokes event targets with the event alone.
 */
export function lambdaHandler<Event, Result>(handler: (event: Event, context: Context) => Promise<Result>) {
  const wrapped = middy(handler).use(observability());
  return (event: Event, context?: Context): Promise<Result> => wrapped(event, context ?? ({} as Context));
}
