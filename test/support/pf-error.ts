import type { PfError } from '../../shared/errors.ts';

/** The PaddleFlow error code `fn` throws, or undefined when it throws nothing. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as PfError).code;
  }
  return undefined;
}

/** The PaddleFlow error `fn` throws; fails the test when it throws nothing. */
export function errorOf(fn: () => unknown): PfError {
  try {
    fn();
  } catch (error) {
    return error as PfError;
  }
  throw new Error('expected an error');
}
