import { isPfError, PfError } from '../errors.ts';
import { InvalidCursorError } from '../store/paging.ts';
import type { FloeMiddleware } from './context.ts';

/** How middy's own HTTP errors (from its body parser) read in PaddleFlow's vocabulary. */
function fromMiddyError(error: { statusCode?: number; message: string; cause?: unknown }): PfError | null {
  if (error.statusCode === 415 || error.statusCode === 422) {
    const detail = (error.cause as { message?: string } | undefined)?.message;
    return new PfError('MalformedJSON', `request body is not valid JSON${detail ? `: ${detail}` : ''}`);
  }
  return null;
}

/** Errors from below the HTTP layer that are the caller's fault. */
function fromStoreError(error: unknown): PfError | null {
  return error instanceof InvalidCursorError ? new PfError('InvalidMarker') : null;
}

/**
 * Renders any error as PaddleFlow's `{requestID, code, message}`. Errors Floe did not mean to raise are
 * logged with their stack and leave as a bare 500 InternalError, so nothing internal leaks to the caller.
 */
export function errorResponse(log: (message: string, error: unknown) => void): FloeMiddleware {
  return {
    onError: (request) => {
      const error = request.error;
      const pfError =
        (isPfError(error) && error) ||
        fromStoreError(error) ||
        (error && fromMiddyError(error as never)) ||
        new PfError('InternalError');
      if (pfError.code === 'InternalError' && !isPfError(error)) log('unhandled error', error);
      request.response = {
        statusCode: pfError.status,
        body: JSON.stringify({
          requestID: request.context.requestId,
          code: pfError.code,
          message: pfError.message,
        }),
      };
    },
  };
}
