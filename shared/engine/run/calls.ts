/**
 * The calls of lambda and http steps, resolved as a command is (§3.6): an http step's url, header values and
 * body see the templates its command would (system variables, its parameters and artifacts); a lambda
 * step's payload is its resolved parameters.
 */
import type { HttpSpec, ParamValue, StepSpec } from '../spec/model.ts';
import type { HttpCall, LambdaCall, NodeState } from './model.ts';
import { type Lookup, ResolveError, substitute, substituteTyped } from './resolve.ts';

const CONTENT_TYPE = 'content-type';

/** Templates in every string of a map body; a string that is one template alone keeps its value's type. */
function resolveValue(value: unknown, lookup: Lookup, where: string): unknown {
  if (typeof value === 'string') return substituteTyped(value, lookup, where);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, lookup, where));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, resolveValue(inner, lookup, where)]),
    );
  return value;
}

/** An http step's request with its templates resolved; a url that is not http(s) fails the step. */
export function resolveHttpCall(http: HttpSpec, lookup: Lookup, key: string): HttpCall {
  const url = substitute(http.url, lookup, `the url of [${key}]`);
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new ResolveError(`the url of [${key}] is [${url}], which is not a URL`);
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new ResolveError(`the url of [${key}] is [${url}]; it should be an http:// or https:// URL`);
  const headers = Object.fromEntries(
    Object.entries(http.headers).map(([name, value]) => [
      name,
      substitute(value, lookup, `header [${name}] of [${key}]`),
    ]),
  );
  const where = `the body of [${key}]`;
  if (http.body === undefined) return { method: http.method, url, headers };
  if (typeof http.body === 'string')
    return { method: http.method, url, headers, body: substitute(http.body, lookup, where) };
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === CONTENT_TYPE);
  return {
    method: http.method,
    url,
    headers: hasType ? headers : { ...headers, [CONTENT_TYPE]: 'application/json' },
    body: JSON.stringify(resolveValue(http.body, lookup, where)),
  };
}

/**
 * A lambda step's call: its payload is the node's resolved parameters, plus the loop item as
 * `PF_LOOP_ARGUMENT` for an iteration of a looped step (parameters are resolved once for every iteration).
 */
export function lambdaCallOf(step: StepSpec, node: NodeState): LambdaCall | undefined {
  if (!step.lambda) return undefined;
  const payload: Record<string, ParamValue> = { ...node.parameters };
  if (node.loopArgument !== undefined) payload.PF_LOOP_ARGUMENT = node.loopArgument;
  return { ...step.lambda, payload };
}
