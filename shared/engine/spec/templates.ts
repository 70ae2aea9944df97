/**
 * PaddleFlow's template syntax (pkg/pipeline/common/const.go): `{{name}}` for a system variable or one of the
 * component's own parameters/artifacts, `{{component.name}}` for a sibling's (or `PF_PARENT`'s). Whitespace
 * inside the braces is allowed; anything else in braces is plain text, as in PaddleFlow.
 */

/** Usable as `{{…}}` everywhere and exported to every job (§3.5). `PF_MOUNT_PATH` is in PaddleFlow's list too. */
export const SYSTEM_VARIABLES = [
  'PF_RUN_ID',
  'PF_STEP_NAME',
  'PF_USER_NAME',
  'PF_LOOP_ARGUMENT',
  'PF_MOUNT_PATH',
];
/** The old API's variables: named specially in errors, since old YAMLs still carry them. */
export const RETIRED_SYSTEM_VARIABLES = ['PF_FS_ID', 'PF_FS_NAME', 'PF_JOB_ID', 'PF_USER_ID', 'PF_RUN_TIME'];
export const PF_PARENT = 'PF_PARENT';

export const isSystemVariable = (name: string) => SYSTEM_VARIABLES.includes(name);

export interface TemplateRef {
  /** The whole `{{ … }}` text. */
  text: string;
  /** The component part of `{{component.name}}`, absent for `{{name}}`. */
  component?: string;
  name: string;
}

const ANY_TEMPLATE = /\{\{\s*([a-zA-Z0-9_-]*\.?[a-zA-Z0-9_]+)\s*\}\}/g;
const UPSTREAM_ONLY = /^\{\{\s*([a-zA-Z0-9_-]+)\.([a-zA-Z0-9_]+)\s*\}\}$/;
const OWN_ONLY = /^\{\{\s*([a-zA-Z0-9_]+)\s*\}\}$/;
const OWN_TEMPLATE = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;

function toRef(text: string, body: string): TemplateRef {
  const dot = body.indexOf('.');
  return dot < 0 ? { text, name: body } : { text, component: body.slice(0, dot), name: body.slice(dot + 1) };
}

/** Every `{{name}}` and `{{component.name}}` in a string. */
export const templatesIn = (value: string): TemplateRef[] =>
  [...value.matchAll(ANY_TEMPLATE)].map((match) => toRef(match[0], match[1]!));

/** Only the `{{name}}` forms (what conditions and loop arguments may use). */
export const ownTemplatesIn = (value: string): TemplateRef[] =>
  [...value.matchAll(OWN_TEMPLATE)].map((match) => toRef(match[0], match[1]!));

/** `{{component.name}}` and nothing else, or null. */
export function exactUpstream(value: string): { component: string; name: string } | null {
  const match = UPSTREAM_ONLY.exec(value);
  return match ? { component: match[1]!, name: match[2]! } : null;
}

/** `{{name}}` and nothing else, or null. */
export function exactOwn(value: string): string | null {
  return OWN_ONLY.exec(value)?.[1] ?? null;
}

/** Every string in a JSON value: the value itself, or the strings among the leaves of its lists and maps. */
export function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringLeaves);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringLeaves);
  return [];
}
