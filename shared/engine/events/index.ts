/**
 * EventBridge event patterns and JSON paths, as pure functions: Floe's triggers are EventBridge rules in AWS, and
 * locally Floe matches events itself with these, so both must agree with EventBridge.
 *
 * - `parseEventPattern` validates a pattern (EventPatternError names the offending path) and
 *   `matchesEventPattern` tests an event against it.
 * - `parseJsonPath` / `readJsonPath` pick a value out of an event with EventBridge's InputPath syntax.
 */
export { JsonPathError, parseJsonPath, readJsonPath } from './json-path.ts';
export { type EventPattern, EventPatternError, parseEventPattern } from './pattern.ts';
export { matchesEventPattern } from './pattern-match.ts';
