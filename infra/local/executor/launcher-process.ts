/**
 * The step launcher: a small process that starts job processes for the local runtime (see launcher.ts for
 * why). It speaks over the IPC channel: a launch request in, `spawned` then `exit` out. It exits with its parent.
 */
import { type LaunchRequest, spawnLogged } from './launcher.ts';

process.on('message', (message: LaunchRequest & { id: number }) => {
  const { id, ...request } = message;
  const pid = spawnLogged(request, (exit) => {
    process.send?.({ type: 'exit', id, code: exit.code, signal: exit.signal, error: exit.error?.message });
  });
  process.send?.({ type: 'spawned', id, pid });
});
process.on('disconnect', () => process.exit(0));
