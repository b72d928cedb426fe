// Python: "Using a remote manager", another client: it takes what the first one put.
//   run: pnpm --filter @multiproc/examples exec tsx managers/queue-get.ts [port]
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
console.log(await queue.get());
