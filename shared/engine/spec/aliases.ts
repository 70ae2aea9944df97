/**
 * PaddleFlow's parser takes camelCase spellings beside the snake_case ones (`dockerEnv`, `entryPoints`,
 * `loopArgument`, `fsOptions.mainFS`…), in YAML and in `/runjson` alike. They are folded into the snake_case
 * keys the schema knows, level by level, before a level is parsed; naming one key both ways is an error rather
 * than PaddleFlow's "whichever came last".
 */
import { SpecError } from './errors.ts';

type Level = 'workflow' | 'component' | 'cache' | 'fsOptions' | 'fsMount';

const aliases: Record<Level, Record<string, string>> = {
  workflow: {
    dockerEnv: 'docker_env',
    entryPoints: 'entry_points',
    failureOptions: 'failure_options',
    postProcess: 'post_process',
    fsOptions: 'fs_options',
    jobType: 'job_type',
  },
  component: {
    dockerEnv: 'docker_env',
    entryPoints: 'entry_points',
    loopArgument: 'loop_argument',
    extraFS: 'extra_fs',
    extraFs: 'extra_fs',
    jobType: 'job_type',
  },
  cache: { maxExpiredTime: 'max_expired_time', fsScope: 'fs_scope' },
  fsOptions: { mainFS: 'main_fs', mainFs: 'main_fs', extraFS: 'extra_fs', extraFs: 'extra_fs' },
  fsMount: { mountPath: 'mount_path', subPath: 'sub_path', readOnly: 'read_only' },
};

/** The nested objects of a level that have aliases of their own. */
const nested: Partial<Record<Level, Record<string, Level>>> = {
  workflow: { cache: 'cache', fs_options: 'fsOptions' },
  component: { cache: 'cache', extra_fs: 'fsMount' },
  fsOptions: { main_fs: 'fsMount', extra_fs: 'fsMount' },
};

export const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A copy of `object` with this level's (and its nested settings') aliases folded in. Components are not entered. */
export function foldAliases(
  object: Record<string, unknown>,
  level: Level,
  where: string,
): Record<string, unknown> {
  const folded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const canonical = aliases[level][key] ?? key;
    if (canonical in folded) {
      throw new SpecError(`${where} sets [${canonical}] twice (as ${canonical} and ${key}); keep one`);
    }
    folded[canonical] = value;
  }
  for (const [key, inner] of Object.entries(nested[level] ?? {})) {
    const value = folded[key];
    if (isMap(value)) folded[key] = foldAliases(value, inner, where);
    else if (Array.isArray(value))
      folded[key] = value.map((item) => (isMap(item) ? foldAliases(item, inner, where) : item));
  }
  return folded;
}

const toCamel = (key: string) => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
const camelOverrides: Record<string, string> = { main_fs: 'mainFS', extra_fs: 'extraFS' };

/**
 * The `/runjson` spelling of a YAML document: every key PaddleFlow knows in camelCase, names of components,
 * parameters, env and artifacts untouched. PaddleFlow's SDK builds such bodies; Floe uses it to prove both
 * forms give one pipeline.
 */
export function toRunJsonKeys(document: Record<string, unknown>): Record<string, unknown> {
  const convert = (value: unknown, level: Level | 'components'): unknown => {
    if (level === 'components') {
      if (!isMap(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([name, c]) => [name, convert(c, 'component')]));
    }
    if (!isMap(value)) return value;
    const known = new Set(Object.values(aliases[level]));
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const renamed = known.has(key) ? (camelOverrides[key] ?? toCamel(key)) : key;
      const childLevel = nested[level]?.[key];
      if (key === 'entry_points' || key === 'components' || key === 'post_process') {
        out[renamed] = convert(inner, 'components');
      } else if (childLevel) {
        out[renamed] = Array.isArray(inner)
          ? inner.map((item) => convert(item, childLevel))
          : convert(inner, childLevel);
      } else {
        out[renamed] = inner;
      }
    }
    return out;
  };
  return convert(document, 'workflow') as Record<string, unknown>;
}
