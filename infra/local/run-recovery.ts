/**
 * What `npm start` does for runs the last process left unfinished. Every step process died with that process,
 * so a step that was pending, running or being stopped without a stored result is marked as ended — failed
 * (terminated if it was being stopped) with a message that says why — and never run again behind the user's
 * back. Stored results are applied first, then a `resume` re-derives and re-issues every pending command.
 */
import type { RunEvent } from '../../shared/engine/run/model.ts';
import type { Mailbox } from '../../shared/runtime/ports.ts';
import type { RunRepository } from '../../shared/store/runs.ts';

const IN_FLIGHT = new Set(['pending', 'running', 'terminating']);

export async function resumeUnfinishedRuns(
  runs: RunRepository,
  mailbox: Mailbox,
  now: Date,
): Promise<string[]> {
  const ids = await runs.listActive();
  for (const id of ids) {
    const loaded = await runs.load(id);
    if (!loaded) continue;
    const reported = new Set(
      loaded.results.flatMap((event) => (event.type === 'finished' ? [`${event.key}#${event.attempt}`] : [])),
    );
    for (const node of Object.values(loaded.state.nodes)) {
      if (node.kind !== 'step' || !IN_FLIGHT.has(node.status)) continue;
      if (reported.has(`${node.key}#${node.attempt}`)) continue;
      const event: RunEvent = {
        type: 'finished',
        key: node.key,
        attempt: node.attempt,
        status: node.status === 'terminating' ? 'terminated' : 'failed',
        message: `Floe stopped while this step was ${node.status}; its process ended with Floe, so the step was not run again`,
        at: now.toISOString(),
      };
      await mailbox.post(id, event);
    }
    await mailbox.post(id, { type: 'resume' });
  }
  return ids;
}
