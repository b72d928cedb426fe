// Python: "Using a remote manager", one client: it puts 'hello' into the server's queue.
//   run: pnpm --filter @multiproc/examples exec tsx managers/queue-put.ts [port]
import { BaseManager, type AsyncQueue, type AutoProxy } from 'multiproc';

class QueueManager extends BaseManager {
  declare getQueue: () => Promise<AutoProxy<AsyncQueue<string>>>;
}
QueueManager.register('getQueue');

const m = new QueueManager({
  address: ['localhost', Number(process.argv[2] ?? 50000)],
  authkey: 'abracadabra',
});
await m.connect();
const queue = await m.getQueue();
await queue.put('hello');
