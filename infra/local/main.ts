/** `npm start`: Floe on this machine. Stops cleanly on SIGINT/SIGTERM, so the data directory stays whole. */
import { localConfigFromEnv } from './config.ts';
import { startLocalRuntime } from './runtime.ts';

const config = localConfigFromEnv();
const runtime = await startLocalRuntime(config);
console.log(`Floe is listening on ${runtime.url} (data in ${config.dataDir})`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`Floe is stopping (${signal})`);
  try {
    await runtime.close();
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
