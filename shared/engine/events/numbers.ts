/**
 * How EventBridge compares numbers. Its matcher (Ruler, which EventBridge open-sourced as aws/event-ruler) turns a
 * number into a fixed-point key: `trunc(1e6 × (5e9 + n))`. That is where the user guide's limits come from
 * ("between -5.0e9 and +5.0e9 inclusive, with 15 digits of precision, or six digits to the right of the decimal
 * point"): numbers outside the range have no key and never match `numeric`, and two numbers equal to six decimals
 * compare equal. The key is computed in the same IEEE double arithmetic Java uses, so ties break the same way.
 */

const NUMERIC_LIMIT = 5e9;

export const inNumericRange = (value: number): boolean =>
  Number.isFinite(value) && value >= -NUMERIC_LIMIT && value <= NUMERIC_LIMIT;

/** Callers check `inNumericRange` first; the key of an out-of-range number means nothing. */
export const comparableKey = (value: number): number => Math.trunc(1e6 * (NUMERIC_LIMIT + value));

/**
 * Equality of a pattern number and an event number. The user guide still says numbers match by their string
 * representation (300, 300.0 and 3.0e2 unequal), but Ruler compiles a number in a pattern to two alternatives, a
 * numeric equality (when the number is in range) and its literal text; Floe follows Ruler, so 5 matches 5.0 and an
 * account id such as 123456789012 still matches itself. Parsed JSON keeps no literal text, so out of range we
 * compare the values.
 */
export function numbersEqual(left: number, right: number): boolean {
  if (inNumericRange(left) && inNumericRange(right)) return comparableKey(left) === comparableKey(right);
  return left === right;
}
