/**
 * The embedded default, one process on loopback: dynalite under the data directory, and the local gateway in
 * front of the same handlers that CDK deploys. The handlers learn where things are from the same environment
 * variables CDK gives them in AWS, pointed at local stand-ins.
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tableFromEnv } from '../../shared/store/client.ts';
import { DEFAULT_TABLE_NAME } from '../../shared/store/table.ts';
import type { LocalConfig } from './config.ts';
import { lockDataDir } from './data-lock.ts';
import { type LocalDynamo, startLocalDynamo } from './dynamo.ts';
import { createGateway, loadHandlers } from './gateway.ts';
import { type LocalRunExecution, startRunExecution } from './run-execution.ts';

export interface LocalRuntime {
  url: string;
  close(): Promise<void>;
}

export async function startLocalRuntime(
  config: LocalConfig,
  onError: (error: unknown) => void = (error) => console.error(error),
): Promise<LocalRuntime> {
  mkdirSync(config.dataDir, { recursive: true });
  const unlock = lockDataDir(config.dataDir);
  let dynamo: LocalDynamo;
  try {
    dynamo = await startLocalDynamo(config.dataDir, DEFAULT_TABLE_NAME);
  } catch (error) {
    unlock();
    throw error;
  }

  Object.assign(process.env, {
    FLOE_TABLE_NAME: DEFAULT_TABLE_NAME,
    FLOE_DYNAMODB_ENDPOINT: dynamo.endpoint,
    FLOE_DATA_DIR: config.dataDir,
    FLOE_ROOT_PASSWORD: config.rootPassword,
    AWS_REGION: process.env.AWS_REGION || 'local',
    POWERTOOLS_SERVICE_NAME: 'floe',
  });

  let execution: LocalRunExecution;
  try {
    execution = await startRunExecution(tableFromEnv(), config.dataDir, onError);
  } catch (error) {
    await dynamo.close();
    unlock();
    throw error;
  }

  const server = createGateway(await loadHandlers(), onError);
  server.keepAliveTimeout = 5_000;
  server.listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    await execution.close();
    await dynamo.close();
    unlock();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${config.host}:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await execution.close();
      await dynamo.close();
      unlock();
    },
  };
}
