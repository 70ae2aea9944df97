/**
 * Status events out (DESIGN.md "Events out"): every run, job (step) and schedule status change as an event on
 * Floe's bus, so users can chain pipelines (a trigger on another run's end), alert and audit. The details
 * name the run, the job, the pipeline, the old and the new status and the time; ids PaddleFlow clients know
 * keep PaddleFlow's spelling (`runID`, `jobID`, `scheduleID`). Fields that would be empty are left out, so
 * that a pattern's `exists` means what it says.
 */
import { type NodeState, publicStatus, type RunState } from '../engine/run/model.ts';
import { DETAIL_TYPES, type EventEntry, FLOE_SOURCE } from '../runtime/events.ts';
import type { RunHead } from '../store/runs.ts';
import type { ScheduleRecord } from '../store/schedules.ts';

const present = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== ''));

/** Every detail also carries the time of the change. */
const entry = (detailType: string, detail: Record<string, unknown>, time: string): EventEntry => ({
  source: FLOE_SOURCE,
  detailType,
  detail: { ...detail, time },
  time,
});

/** The run fields every run and job event carries. */
function runFields(run: RunHead) {
  return present({
    runID: run.id,
    runName: run.name,
    username: run.owner,
    fsName: run.fsName,
    pipelineID: run.pipelineId,
    pipelineVersionID: run.pipelineVersionId,
    scheduleID: run.scheduleId,
  });
}

export function runStatusEvent(run: RunHead, oldStatus: string, time: string): EventEntry {
  const detail = { ...runFields(run), ...present({ oldStatus, newStatus: run.status, runMsg: run.message }) };
  return entry(DETAIL_TYPES.run, detail, time);
}

function jobStatusEvent(run: RunHead, node: NodeState, oldStatus: string, time: string): EventEntry {
  const detail = {
    ...runFields(run),
    ...present({
      jobID: node.id,
      stepName: node.name,
      path: node.path,
      attempt: node.attempt,
      oldStatus,
      newStatus: publicStatus(node.status),
      jobMessage: node.message,
    }),
  };
  return entry(DETAIL_TYPES.job, detail, time);
}

/** What one pass of the run's consumer changed: the run's status, and each step's. */
export function statusEvents(run: RunHead, before: RunState, after: RunState, time: string): EventEntry[] {
  const events: EventEntry[] = [];
  for (const [key, node] of Object.entries(after.nodes)) {
    const previous = before.nodes[key];
    if (previous === node || node.kind !== 'step') continue; // reconcile keeps unchanged nodes as they were
    // A new attempt is a new job: its first status is a change from nothing.
    // A halted step is a failed one to the outside (and failing it for good is no change).
    const oldStatus = previous && previous.attempt === node.attempt ? publicStatus(previous.status) : '';
    if (oldStatus !== publicStatus(node.status)) events.push(jobStatusEvent(run, node, oldStatus, time));
  }
  if (before.status !== after.status) events.push(runStatusEvent(run, before.status, time));
  return events;
}

export function scheduleStatusEvent(schedule: ScheduleRecord, oldStatus: string, time: string): EventEntry {
  const detail = present({
    scheduleID: schedule.id,
    scheduleName: schedule.name,
    username: schedule.owner,
    pipelineID: schedule.pipelineId,
    pipelineVersionID: schedule.pipelineVersionId,
    oldStatus,
    newStatus: schedule.status,
    nextRunTime: schedule.nextRunAt,
    scheduleMsg: schedule.message,
  });
  return entry(DETAIL_TYPES.schedule, detail, time);
}
