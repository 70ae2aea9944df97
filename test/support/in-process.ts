/**
 * The app modules (shared/app) in the test's own process, on a fresh embedded table, for tests below the local
 * runtime: the mailbox and the bus are recording adapters of their ports, so nothing consumes runs or routes
 * events, and the test sees what was posted and published.
 */
import type { RunEvent } from '../../shared/engine/run/model.ts';
import { registerLocalEventBus } from '../../shared/runtime/event-bus-from-env.ts';
import type { EventEntry, TriggerRule } from '../../shared/runtime/events.ts';
import { registerLocalMailbox } from '../../shared/runtime/mailbox-from-env.ts';
import { newDataDir } from './floe-process.ts';
import { startTestTable } from './table.ts';

export async function startInProcessApp(env: Record<string, string> = {}) {
  const { dynamo, ref } = await startTestTable();
  Object.assign(process.env, {
    FLOE_TABLE_NAME: ref.table,
    FLOE_DYNAMODB_ENDPOINT: dynamo.endpoint,
    FLOE_DATA_DIR: newDataDir(),
    AWS_REGION: 'local',
    ...env,
  });
  delete process.env.FLOE_EVENT_BUS_NAME;
  const posted: { runId: string; event: RunEvent }[] = [];
  const published: EventEntry[] = [];
  const rules = new Map<string, TriggerRule>();
  registerLocalMailbox({ post: async (runId, event) => void posted.push({ runId, event }) });
  registerLocalEventBus({
    publish: async (entries) => {
      published.push(...entries);
      return entries.map((_, i) => `event-${published.length - entries.length + i + 1}`);
    },
    put: async (rule) => void rules.set(rule.triggerId, rule),
    remove: async (triggerId) => void rules.delete(triggerId),
  });
  return {
    ref,
    posted,
    published,
    rules,
    async close() {
      registerLocalMailbox(undefined);
      registerLocalEventBus(undefined);
      await dynamo.close();
    },
  };
}
