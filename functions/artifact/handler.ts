/** `/artifact` (reference/paddleflow.md §1.10, §4.9): list and delete artifact events. */
import { authenticate, listPaging } from '../../shared/app/core.ts';
import { artifactEventService } from '../../shared/app/run-caches.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { listFilter } from '../../shared/http/list-filter.ts';
import { empty, ok } from '../../shared/http/response.ts';
import { localTimeOf } from '../../shared/http/time.ts';
import type { ArtifactEventRecord } from '../../shared/store/artifact-events.ts';

/** PaddleFlow's ArtifactEvent: lowercase `fsname`, as in RunCache. */
const artifactEventView = (event: ArtifactEventRecord) => ({
  runID: event.runId,
  fsname: event.fsName,
  username: event.owner,
  artifactPath: event.artifactPath,
  step: event.step,
  jobID: event.jobId,
  type: event.type,
  artifactName: event.artifactName,
  meta: event.meta,
  createTime: localTimeOf(event.createdAt),
  updateTime: localTimeOf(event.updatedAt),
});

const LIST = 'artifact';

export const handler = resourceHandler(
  'artifact',
  {
    'GET /artifact': async ({ actor, query }) => {
      const paging = await listPaging(LIST, query);
      const filter = listFilter(query, ['owners', 'fsNames', 'runIds', 'types', 'paths']);
      const page = await artifactEventService().list(actor, filter, paging.request);
      return ok(paging.envelope(page, 'artifactEventList', artifactEventView));
    },

    // PaddleFlow reads these query keys exactly as spelled (Go's `URL.Query().Get`).
    'DELETE /artifact': async ({ actor, query }) => {
      const { username, fsname, runID, path } = query;
      await artifactEventService().delete(actor, { username, fsname, runID, path });
      return empty();
    },
  },
  { authenticate },
);
