/** A user's EventBridge event pattern (a trigger's, a webhook's), checked as EventBridge would check it. */
import { EventPatternError, parseEventPattern } from '../engine/events/index.ts';
import { PfError } from '../errors.ts';

/**
 * EventBridge's default quota on a pattern's size (characters of its JSON), beyond which PutRule fails. A
 * webhook's pattern is matched by Floe, not by a rule, but keeps the same limit: a pattern is a pattern.
 */
const MAX_PATTERN_CHARS = 2048;

/** The pattern as given, once valid; else 400 InvalidArguments naming the path and the problem. */
export function readEventPattern(input: unknown): Record<string, unknown> {
  try {
    parseEventPattern(input);
  } catch (error) {
    if (error instanceof EventPatternError) {
      throw new PfError('InvalidArguments', `pattern is invalid: ${error.message}`);
    }
    throw error;
  }
  const size = JSON.stringify(input).length;
  if (size > MAX_PATTERN_CHARS) {
    throw new PfError(
      'InvalidArguments',
      `pattern is too long: ${size} characters of JSON, at most ${MAX_PATTERN_CHARS}`,
    );
  }
  return input as Record<string, unknown>;
}
