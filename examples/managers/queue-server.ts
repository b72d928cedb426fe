// Python: "Using a remote manager", the server: it serves one queue to clients on other machines
// that know the key. Run it, then queue-put.ts and queue-get.ts from other shells.
//   run: pnpm --filter @multiproc/examples exec tsx managers/queue-server.ts [port]
import { AsyncQueue, BaseManager } from 'multiproc';

const queue = new AsyncQueue<string>();

class QueueManager extends BaseManager {}
QueueManager.register('getQueue', { callable: () => queue });

const m = new QueueManager({
  address: ['', Number(process.argv[2] ?? 50000)],
  authkey: 'abracadabra',
});
const server = m.getServer();
console.log('serving on', await server.listen());
await server.serveForever();
