/**
 * dynalite in a worker thread: the same process, but its own event loop on the second core, so the store's
 * JSON and LevelDB work does not queue behind the handlers.
 */
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const { path } = workerData as { path: string };
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0 });

server.listen(0, '127.0.0.1', () => {
  parentPort!.postMessage({ port: (server.address() as AddressInfo).port });
});
server.on('error', (error) => {
  throw error;
});
parentPort!.on('message', (message) => {
  if (message !== 'close') return;
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
