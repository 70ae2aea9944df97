/**
 * Names and ids derived from (run, node key, attempt), so that computing them twice gives the same text: a
 * repeated dispatch then names the same execution and is a no-op, and a stored id can always be recomputed.
 */
import { createHash } from 'node:crypto';

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const hexOf = (text: string, length: number) => sha256Hex(text).slice(0, length);

export const md5Hex = (text: string) => createHash('md5').update(text).digest('hex');

/** PaddleFlow's job name: `<runID>-<step>` for the first (or only) iteration, `<runID>-<step>-<seq>` after. */
export const jobName = (runId: string, stepName: string, seq: number) =>
  seq === 0 ? `${runId}-${stepName}` : `${runId}-${stepName}-${seq}`;

/** `job-<lower(job name)>-<8 hex>`: the hex tells apart steps of the same name in different DAGs. */
export const stepId = (runId: string, key: string, stepName: string, seq: number, attempt: number) =>
  `job-${jobName(runId, stepName, seq).toLowerCase()}-${hexOf(`${runId}\n${key}\n${attempt}`, 8)}`;

/** `dag-<runID>-<16 hex>`, PaddleFlow's shape (its hex is random; ours is stable). */
export const dagId = (runId: string, key: string, attempt: number) =>
  `dag-${runId}-${hexOf(`${runId}\n${key}\n${attempt}`, 16)}`;

/** The id PaddleFlow gives the entry-points DAG, which entry-level components name as their parent. */
export const rootDagId = (runId: string) => `dag-${runId}-${hexOf(`${runId}\0entry_points`, 16)}`;

/** Step Functions' limit for an execution name. */
const EXECUTION_NAME_LIMIT = 80;
const HASH_LENGTH = 8;

/** Keys as the engine builds them: component names (a letter, then letters, digits, `-`), `[n]`, `post:`. */
const CANONICAL_KEY = /^(post:)?[A-Za-z][A-Za-z0-9-]*(\[\d+\])?(\.[A-Za-z][A-Za-z0-9-]*(\[\d+\])?)*$/;

/**
 * Keys use `[n]` for loop iterations and `post:` for the post-process step; execution names allow only
 * `[A-Za-z0-9-_.]`. Component names cannot contain `_` (§3.4), so `_` is free to encode what is replaced:
 * `a[2].b` becomes `a_2.b`, `post:x` becomes `post_x`, and two keys built by the engine never meet. Any
 * other key (not built by the engine) gets a hash of itself appended, so it cannot meet one either.
 */
function sanitise(key: string) {
  const readable = key.replace(/\[(\d+)\]/g, '_$1').replace(/[^A-Za-z0-9\-_.]/g, '_');
  return CANONICAL_KEY.test(key) ? readable : `${readable}-${hexOf(key, HASH_LENGTH)}`;
}

/**
 * `<run>.<key>.<attempt>`, at most 80 characters. A longer one keeps its start and its attempt and puts a hash
 * of the full run and key in between, so it stays unique and the same every time it is computed.
 */
export function executionName(runId: string, key: string, attempt: number): string {
  const suffix = `.${attempt}`;
  const body = `${runId.replace(/[^A-Za-z0-9\-_.]/g, '_')}.${sanitise(key)}`;
  if (body.length + suffix.length <= EXECUTION_NAME_LIMIT) return `${body}${suffix}`;
  const hash = hexOf(`${runId}\n${key}`, HASH_LENGTH);
  const room = EXECUTION_NAME_LIMIT - suffix.length - HASH_LENGTH - 1;
  return `${body.slice(0, room)}-${hash}${suffix}`;
}
