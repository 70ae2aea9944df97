/** Store outcomes a service must tell apart; anything else from DynamoDB is an internal error. */

export class ConditionFailedError extends Error {
  constructor(what: string) {
    super(`condition failed: ${what}`);
    this.name = 'ConditionFailedError';
  }
}

/** DynamoDB's ConditionalCheckFailedException, wherever it sits in the cause chain. */
export function isConditionFailure(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return true;
    if ((e as { code?: string }).code === 'ConditionalCheckFailedException') return true;
  }
  return false;
}

/** Runs a conditional write; a failed condition becomes a `ConditionFailedError` naming what was expected. */
export async function conditional<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) throw new ConditionFailedError(what);
    throw error;
  }
}
