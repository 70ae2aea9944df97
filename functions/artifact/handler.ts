/** `/artifact` (reference/paddleflow.md §1.10, §4.9): list and delete artifact events. */
import { authenticate, listPaging } from '../../shared/app/core.ts';
import { artifactEventService } from '../../shared/app/run-caches.ts';
import { splitCommaList } from '../../shared/engine/comma-list.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { empty, ok } from '../../shared/http/response.ts';
import { formatLocalTime } from '../../shared/http/time.ts';
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
  createTime: formatLocalTime(new Date(event.createdAt)),
  updateTime: formatLocalTime(new Date(event.updatedAt)),
});

const LIST = 'artifact';

export const handler = resourceHandler(
  'artifact',
  {
    'GET /artifact': async ({ actor, query }) => {
      const paging = await listPaging(LIST, query);
      const filter = {
        owners: splitCommaList(query.userFilter),
        fsNames: splitCommaList(query.fsFilter),
        runIds: splitCommaList(query.runFilter),
        types: splitCommaList(query.typeFilter),
        paths: splitCommaList(query.pathFilter),
      };
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
