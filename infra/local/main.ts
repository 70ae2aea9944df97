/** `npm start`: Floe on this machine. Stops cleanly on SIGINT/SIGTERM, so the data directory stays whole. */
import { localConfigFromEnv } from './config.ts';
import { DataDirInUseError } from './data-lock.ts';
import { startLocalRuntime } from './runtime.ts';

/** Start-up failures a user can fix get one line, not a stack. */
function explain(error: unknown, port: number): string | null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `port ${port} is in use; stop what holds it or set FLOE_PORT`;
  if (code === 'EACCES') return `no permission to listen on port ${port}; set FLOE_PORT`;
  if (error instanceof DataDirInUseError) return error.message;
  return null;
}

const config = localConfigFromEnv();
const starting = startLocalRuntime(config);

// Listen for signals before announcing the address: a caller may stop Floe the moment it reads that line.
let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`Floe is stopping (${signal})`);
  try {
    await (await starting).close();
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

try {
  const runtime = await starting;
  console.log(`Floe is listening on ${runtime.url} (data in ${config.dataDir})`);
} catch (error) {
  const reason = explain(error, config.port);
  if (!reason) throw error;
  console.error(`Floe could not start: ${reason}`);
  process.exit(1);
}
