/**
 * A trigger's run parameters, read out of the event that fired it: each parameter names a JSON path into the
 * whole event (`$.detail.size`, `$.source`, `$.id`), as an EventBridge InputPath would.
 */
import { parseJsonPath, readJsonPath } from './events/index.ts';

type RunParameterValue = string | number;

/**
 * Strings and numbers go as they are; booleans, objects and arrays as their JSON text (`true`, `{"a":1}`): a
 * run parameter is a number or a string (the spec refuses a boolean, and a list is a loop's, not one value). A
 * path the event does not have, or that holds null, leaves the parameter out, so the pipeline's default applies.
 */
export function eventRunParameters(
  paths: Record<string, string>,
  event: unknown,
): Record<string, RunParameterValue> {
  const parameters: Record<string, RunParameterValue> = {};
  for (const [name, path] of Object.entries(paths)) {
    const value = readJsonPath(parseJsonPath(path), event);
    if (value === undefined || value === null) continue;
    parameters[name] = typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value);
  }
  return parameters;
}
