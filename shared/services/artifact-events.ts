/**
 * The artifact event API (reference/paddleflow.md §1.10, §4.9): list and delete the events the engine records
 * as steps start and succeed. As for run caches, anyone but root is held to their own events.
 */
import { PfError } from '../errors.ts';
import type {
  ArtifactEventFilter,
  ArtifactEventRecord,
  ArtifactEventRepository,
} from '../store/artifact-events.ts';
import type { Page, PageRequest } from '../store/paging.ts';
import { type Actor, isRoot, visibleOwners } from './users.ts';

const TYPES = ['input', 'output'];

/** `DELETE /artifact`'s query, as sent: each field may be missing. */
export interface DeleteArtifactRequest {
  username?: string | undefined;
  fsname?: string | undefined;
  runID?: string | undefined;
  path?: string | undefined;
}

export class ArtifactEventService {
  constructor(private readonly deps: { events: ArtifactEventRepository }) {}

  async list(
    actor: Actor,
    filter: ArtifactEventFilter,
    page: PageRequest,
  ): Promise<Page<ArtifactEventRecord>> {
    // PaddleFlow lets any typeFilter through (and finds nothing); a typo is better told than silently empty.
    const wrong = filter.types.find((type) => !TYPES.includes(type));
    if (wrong !== undefined) {
      throw new PfError('InvalidArguments', `typeFilter[${wrong}] is invalid: it must be input or output`);
    }
    const owners = visibleOwners(actor, filter.owners);
    return this.deps.events.list({ ...filter, owners }, page);
  }

  /**
   * Deletes a run's events for one artifact path on one fs. The owner is the caller, or for root the
   * `username` it names (root naming nobody means root's own events, as in PaddleFlow). Matching nothing is
   * no error.
   */
  async delete(actor: Actor, request: DeleteArtifactRequest): Promise<void> {
    for (const field of ['fsname', 'runID', 'path'] as const) {
      if (!request[field]) throw new PfError('InvalidURI', `query parameter [${field}] shall not be empty`);
    }
    const owner = isRoot(actor.name) && request.username ? request.username : actor.name;
    await this.deps.events.deleteMatching({
      runId: request.runID!,
      fsName: request.fsname!,
      path: request.path!,
      owner,
    });
  }
}
