/**
 * The deployment orchestrator's task API (seed 003) over a run's steps: `GET /task?processInstanceId=<run>`
 * lists them, `GET /task/{taskId}` shows one, `PUT /task/{taskId}/{operate}` debugs a failed one of a debug
 * run: `reRun` retries it, `resume` ends debug mode (the run then fails, and rolls back). A task id is
 * `<runId>.<nodeKey>` (views.ts), percent-encoded in the path. Access is as for runs: the owner or root.
 */
import { authenticate } from '../../shared/app/core.ts';
import { runControlService } from '../../shared/app/run-control.ts';
import type { NodeState, RunState } from '../../shared/engine/run/model.ts';
import { PfError } from '../../shared/errors.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { ok } from '../../shared/http/response.ts';
import type { Actor } from '../../shared/services/users.ts';
import { isTask, parseTaskId, taskStatus, tasksOf, taskView } from './views.ts';

const notFound = (taskId: string) => new PfError('RecordNotFound', `task[${taskId}] not found`);

/** The step a task id names in a state, or a 404 naming the task id. */
function taskNode(state: RunState, key: string, taskId: string): NodeState {
  const node = state.nodes[key];
  if (!node || !isTask(node)) throw notFound(taskId);
  return node;
}

/** Loads the run a task id names (404 RunNotFound, 403 AccessDenied as for runs) and its step. */
async function loadTask(actor: Actor, taskId: string) {
  const parsed = parseTaskId(taskId);
  if (!parsed) throw notFound(taskId);
  const loaded = await runControlService().load(actor, parsed.runId);
  return { ...parsed, loaded, node: taskNode(loaded.state, parsed.key, taskId) };
}

export const handler = resourceHandler(
  'task',
  {
    'GET /task': async ({ actor, query }) => {
      const runId = query.processInstanceId;
      if (!runId) throw new PfError('RequiredFieldEmpty', 'processInstanceId is required');
      const { record, state } = await runControlService().load(actor, runId);
      return ok(tasksOf(state).map((node) => taskView(record, state, node)));
    },

    'GET /task/{taskId}': async ({ actor, params }) => {
      const { loaded, node } = await loadTask(actor, params.taskId!);
      return ok(taskView(loaded.record, loaded.state, node));
    },

    'PUT /task/{taskId}/{operate}': async ({ actor, params }) => {
      const { taskId, operate } = params as { taskId: string; operate: string };
      if (operate !== 'reRun' && operate !== 'resume')
        throw new PfError(
          'InvalidArguments',
          `invalid operate[${operate}] for a task: expected reRun or resume`,
        );
      const { runId, key, loaded, node } = await loadTask(actor, taskId);
      // endDebug is a run's action: the task asks for it only as the way out for its own failure.
      if (operate === 'resume' && node.status !== 'halted')
        throw new PfError(
          'ActionNotAllowed',
          `task[${taskId}] is ${taskStatus(loaded.state, node)}: only a failed task of a debug run can be debugged`,
        );
      const { state } = await runControlService().operate(
        actor,
        runId,
        operate === 'reRun' ? { op: 'retryNode', key } : { op: 'endDebug' },
      );
      return ok(taskView(loaded.record, state, taskNode(state, key, taskId)));
    },
  },
  { authenticate },
);
