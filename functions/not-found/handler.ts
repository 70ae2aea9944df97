import { PfError } from '../../shared/errors.ts';
import { baseChain } from '../../shared/http/handler.ts';

/** API Gateway's `$default` route: no route claims the path, so PaddleFlow's 404 PathNotFound. */
export const handler = baseChain().handler(async () => {
  throw new PfError('PathNotFound');
});
