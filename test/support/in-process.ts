/**
 * The app modules (shared/app) in the test's own process, on a fresh embedded table, for tests below the local
 * runtime: the mailbox and the bus are recording adapters of their ports, so nothing consumes runs or routes
 * events, and the test sees what was posted and published.
 */
import type { RunEvent } from '../../shared/engine/run/model.ts';
import { registerLocalEventBus } from '../../shared/runtime/event-bus-from-env.ts';
import type { EventEntry } from '../../shared/runtime/events.ts';
import { registerLocalMailbox } from '../../shared/runtime/mailbox-from-env.ts';
import type { Mailbox } from '../../shared/runtime/ports.ts';
import { newDataDir } from './floe-process.ts';
import { startTestTable } from './table.ts';

/** A mailbox that only records what is posted to it: nothing consumes the runs. */
export class RecordingMailbox implements Mailbox {
  readonly posts: { runId: string; event: RunEvent }[] = [];
  async post(runId: string, event: RunEvent): Promise<void> {
    this.posts.push({ runId, event });
  }
}

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
  const mailbox = new RecordingMailbox();
  const published: EventEntry[] = [];
  registerLocalMailbox(mailbox);
  // No trigger rules: nothing here creates triggers.
  registerLocalEventBus({
    publish: async (entries) => {
      published.push(...entries);
      return entries.map((_, i) => `event-${published.length - entries.length + i + 1}`);
    },
    put: async () => {},
    remove: async () => {},
  });
  return {
    ref,
    posted: mailbox.posts,
    published,
    async close() {
      registerLocalMailbox(undefined);
      registerLocalEventBus(undefined);
      await dynamo.close();
    },
  };
}
