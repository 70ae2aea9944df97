import { expect } from 'vitest';
import { PfError } from '../../shared/errors.ts';

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

/** The PaddleFlow error `promise` rejects with; fails the test when it resolves or rejects with another error. */
export async function pfError(promise: Promise<unknown>): Promise<PfError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PfError);
  return error as PfError;
}
