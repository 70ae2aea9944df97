/** Promises shared by key: concurrent callers of one key share one piece of work. */

/** The promise in `cache` for `key`, made once; a failure is forgotten, so the next call tries again. */
export function shared(
  cache: Map<string, Promise<string>>,
  key: string,
  make: () => Promise<string>,
): Promise<string> {
  let promise = cache.get(key);
  if (!promise) {
    promise = make();
    cache.set(key, promise);
    promise.catch(() => cache.delete(key));
  }
  return promise;
}
