/**
 * The embedded default, one process on loopback: dynalite under the data directory, and the local gateway in
 * front of the same handlers that CDK deploys. The handlers learn where things are from the same environment
 * variables CDK gives them in AWS, pointed at local stand-ins.
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { registerLocalEventBus } from '../../shared/runtime/event-bus-from-env.ts';
import { tableFromEnv } from '../../shared/store/client.ts';
import { DEFAULT_TABLE_NAME } from '../../shared/store/table.ts';
import type { LocalConfig } from './config.ts';
import { lockDataDir } from './data-lock.ts';
import { startLocalDynamo } from './dynamo.ts';
import { LocalEventBus } from './event-bus.ts';
import { createGateway, loadHandlers } from './gateway.ts';
import { startRunExecution } from './run-execution.ts';
import { LocalTicker } from './ticker.ts';

export interface LocalRuntime {
  url: string;
  close(): Promise<void>;
}

export async function startLocalRuntime(
  config: LocalConfig,
  onError: (error: unknown) => void = (error) => console.error(error),
): Promise<LocalRuntime> {
  mkdirSync(config.dataDir, { recursive: true });
  // What is up so far, undone last first: by close(), or at once when a later part fails to start.
  const undo: (() => void | Promise<void>)[] = [lockDataDir(config.dataDir)];
  const unwind = async () => {
    for (let step = undo.pop(); step; step = undo.pop()) await step();
  };
  try {
    const dynamo = await startLocalDynamo(config.dataDir, DEFAULT_TABLE_NAME);
    undo.push(() => dynamo.close());

    Object.assign(process.env, {
      FLOE_TABLE_NAME: DEFAULT_TABLE_NAME,
      FLOE_DYNAMODB_ENDPOINT: dynamo.endpoint,
      FLOE_DATA_DIR: config.dataDir,
      FLOE_ROOT_PASSWORD: config.rootPassword,
      AWS_REGION: process.env.AWS_REGION || 'local',
      POWERTOOLS_SERVICE_NAME: 'floe',
    });

    const bus = new LocalEventBus(onError);
    registerLocalEventBus(bus);
    undo.push(() => registerLocalEventBus(undefined));
    const execution = await startRunExecution(tableFromEnv(), config.dataDir, bus, onError);
    undo.push(() => execution.close());
    // Deliveries under way (a trigger's run, a tick) end before the execution and the table go.
    undo.push(() => bus.drain());
    const ticker = await startEventTargets(bus, onError);
    undo.push(() => ticker.close());

    const server = createGateway(await loadHandlers(), onError);
    server.keepAliveTimeout = 5_000;
    server.listen(config.port, config.host);
    await once(server, 'listening');
    undo.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    return { url: `http://${config.host}:${port}`, close: unwind };
  } catch (error) {
    await unwind();
    throw error;
  }
}

/**
 * What EventBridge's rules invoke in AWS, connected to the local bus: the tick function (also on the minute,
 * through the local ticker), the webhook deliverer and the trigger function. The bus learns the triggers'
 * rules from the table, as EventBridge keeps them across restarts.
 */
async function startEventTargets(
  bus: LocalEventBus,
  onError: (error: unknown) => void,
): Promise<LocalTicker> {
  // Imported here, once the environment points the app modules at the local table.
  const [{ scheduleTicker }, { onTickEvent }, { triggerService }, webhookDelivery, triggerTarget] =
    await Promise.all([
      import('../../shared/app/schedules.ts'),
      import('../../shared/services/schedule-ticker.ts'),
      import('../../shared/app/triggers.ts'),
      import('../../functions/webhook-delivery/handler.ts'),
      import('../../functions/trigger-target/handler.ts'),
    ]);
  for (const rule of await triggerService().rulesForLocalBus()) await bus.put(rule);
  const ticker = new LocalTicker((event, sleep) => onTickEvent(scheduleTicker(), event, sleep), onError);
  bus.connect({
    tick: (event) => ticker.deliver(event),
    webhooks: (event) => webhookDelivery.handler(event),
    trigger: (invocation) => triggerTarget.handler(invocation),
  });
  ticker.start();
  return ticker;
}
