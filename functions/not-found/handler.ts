import middy from '@middy/core';
import { PfError } from '../../shared/errors.ts';
import type { FloeContext, FloeEvent } from '../../shared/http/context.ts';
import { errorResponse } from '../../shared/http/error-response.ts';
import { logger } from '../../shared/http/handler.ts';
import { requestId } from '../../shared/http/request-id.ts';
import type { HttpResult } from '../../shared/http/response.ts';

/** API Gateway's `$default` route: no route claims the path, so PaddleFlow's 404 PathNotFound. */
export const handler = middy<FloeEvent, HttpResult, Error, FloeContext>()
  .use(requestId())
  .use(errorResponse((message, error) => logger.error(message, error as Error)))
  .handler(async () => {
    throw new PfError('PathNotFound');
  });
