/**
 * The task tokens a handler resolves: the local runner's, when the local runtime registered them (it runs
 * the handlers in its own process), Step Functions' otherwise.
 */
import type { TaskTokens } from './ports.ts';
import { SfnTaskTokens } from './sfn-task-tokens.ts';

let local: TaskTokens | undefined;

export function registerLocalTaskTokens(tokens: TaskTokens | undefined): void {
  local = tokens;
}

let sfn: TaskTokens | undefined;

export function taskTokensFromEnv(): TaskTokens {
  if (local) return local;
  sfn ??= new SfnTaskTokens();
  return sfn;
}
