import { authenticate } from '../../shared/app/core.ts';
import { runService } from '../../shared/app/runs.ts';
import { jobName } from '../../shared/engine/run/ids.ts';
import { PfError } from '../../shared/errors.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { ok } from '../../shared/http/response.ts';
import { logStoreFromEnv } from '../../shared/runtime/log-store-from-env.ts';
import { pageLog, parseRunLogQuery } from '../../shared/services/log-paging.ts';

/**
 * `GET /log/run/{runID}` (§1.12): one JobLogInfo per job of the run that has started (or just `jobID`'s), each
 * job's log paged as PaddleFlow pages a container's log (§4.8). A step runs as one process, so each job has
 * one task, named after the job.
 */
export const handler = resourceHandler(
  'log',
  {
    'GET /log/run/{runID}': async ({ actor, params, query }) => {
      const parsed = parseRunLogQuery(query);
      if (!parsed.ok) throw new PfError('InvalidURI', parsed.message);
      const { jobId, ...paging } = parsed.value;
      const { run, nodes } = await runService().detail(actor, params.runID!);
      const store = logStoreFromEnv();
      const jobs = nodes
        .filter((node) => node.kind === 'step' && node.startTime !== undefined)
        .filter((node) => jobId === undefined || node.id === jobId)
        .sort((a, b) => (a.startTime! < b.startTime! ? -1 : a.startTime! > b.startTime! ? 1 : 0));
      const runLog = await Promise.all(
        jobs.map(async (node) => ({
          jobID: node.id,
          taskList: [
            { taskID: node.id, logInfo: pageLog(await store.read(run.id, node.id, node.taskArn), paging) },
          ],
          name: jobName(run.id, node.name, node.seq),
          type: 'step',
          eventList: [],
        })),
      );
      return ok({ submitLog: '', runLog, runID: run.id });
    },
  },
  { authenticate },
);
