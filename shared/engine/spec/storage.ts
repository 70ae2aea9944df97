/** File systems and cache settings (§3.1, §3.4): mounts are well-formed, cache scopes name mounted file systems. */
import { SpecError } from './errors.ts';
import type { RawCache, RawFsMount } from './schema.ts';
import type { Tree } from './structure.ts';
import { walk, where } from './walk.ts';

/** PaddleFlow reads it with Go's Atoi: an optional sign and digits, nothing else. */
const INTEGER = /^[+-]?\d+$/;

function checkExpiry(cache: RawCache | undefined, at: string) {
  const value = cache?.max_expired_time;
  if (value === undefined || typeof value === 'number') return;
  if (!INTEGER.test(value)) {
    throw new SpecError(
      `cache.max_expired_time [${value}] of ${at} is not an integer number of seconds (-1 means never)`,
    );
  }
}

function checkMount(mount: RawFsMount, at: string) {
  if (mount.name === '') throw new SpecError(`an fs in ${at} has an empty name`);
  if (mount.sub_path?.startsWith('/')) {
    throw new SpecError(
      `sub_path [${mount.sub_path}] of fs [${mount.name}] in ${at} must be relative (no leading /)`,
    );
  }
}

function checkScope(cache: RawCache | undefined, mounted: Set<string>, at: string) {
  for (const scope of cache?.fs_scope ?? []) {
    if (scope.name === '') throw new SpecError(`cache.fs_scope of ${at} has an entry with an empty name`);
    if (!mounted.has(scope.name)) {
      throw new SpecError(
        `cache.fs_scope of ${at} names fs [${scope.name}], which it does not mount (main_fs or extra_fs)`,
      );
    }
  }
}

export function checkStorage(tree: Tree, mainFsName: string | undefined) {
  const { workflow } = tree;
  const mainFs = workflow.fs_options?.main_fs;
  if (mainFs) {
    if (mainFs.read_only)
      throw new SpecError('fs_options.main_fs cannot be read_only: steps write their outputs there');
    checkMount(mainFs, 'fs_options.main_fs');
  }
  for (const mount of workflow.fs_options?.extra_fs ?? []) checkMount(mount, 'fs_options.extra_fs');
  checkExpiry(workflow.cache, 'the pipeline');

  const main = mainFsName ? [mainFsName] : [];
  const everyMount = new Set([...main, ...(workflow.fs_options?.extra_fs ?? []).map((m) => m.name)]);
  for (const section of [tree.entryPoints, tree.postProcess, tree.components]) {
    for (const { comp } of walk(section)) {
      if (comp.kind !== 'step') continue;
      for (const mount of comp.extraFs) checkMount(mount, `extra_fs of ${where(comp)}`);
      if (comp.reference === undefined) checkExpiry(comp.cache, where(comp));
      const mounted = new Set([...main, ...comp.extraFs.map((mount) => mount.name)]);
      checkScope(comp.cache, mounted, where(comp));
      for (const name of mounted) everyMount.add(name);
    }
  }
  checkScope(workflow.cache, everyMount, 'the pipeline');
}
