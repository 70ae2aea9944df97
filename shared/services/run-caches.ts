/**
 * The run cache API (reference/paddleflow.md §1.10): list, show and delete the rows the engine writes when a
 * cached job starts. Root sees every row; anyone else only their own, whatever `userFilter` says (PaddleFlow
 * forces the filter to the caller rather than refusing it, unlike the pipeline list).
 */
import { PfError } from '../errors.ts';
import type { Page, PageRequest } from '../store/paging.ts';
import type { RunCacheFilter, RunCacheRecord, RunCacheRepository } from '../store/run-caches.ts';
import { type Actor, assertAccess, visibleOwners } from './users.ts';

const CACHE_ID = /^cch-\d{6,15}$/;

export class RunCacheService {
  constructor(private readonly deps: { caches: RunCacheRepository }) {}

  list(actor: Actor, filter: RunCacheFilter, page: PageRequest): Promise<Page<RunCacheRecord>> {
    const owners = visibleOwners(actor, filter.owners);
    return this.deps.caches.list({ ...filter, owners }, page);
  }

  async get(actor: Actor, id: string): Promise<RunCacheRecord> {
    // A malformed id cannot name a row: answer without a read.
    const cache = CACHE_ID.test(id) ? await this.deps.caches.get(id) : undefined;
    if (!cache) throw new PfError('RunCacheNotFound', `resouceType[run_cache] with ID[${id}] not found`);
    assertAccess(actor, cache.owner, 'run_cache', id);
    return cache;
  }

  /** Hard delete, after the same checks as `get`. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.get(actor, id);
    await this.deps.caches.delete(id);
  }
}
