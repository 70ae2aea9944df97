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
