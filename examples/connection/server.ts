// Python: "Listeners and Clients", the server: it listens with 'secret password' as the
// authentication key, waits for a connection and sends some data to the client.
// Python sends `float` (a class, by reference); here a BigInt shows a type JSON lacks.
//   run: pnpm --filter @multiproc/examples exec tsx connection/server.ts [port]
import { Listener } from 'multiproc';

const address = ['localhost', Number(process.argv[2] ?? 6000)] as const; // family is deduced to be 'AF_INET'

await using listener = await Listener.listen({ address, authkey: 'secret password' });
console.log('listening on', listener.address);
using conn = await listener.accept();
console.log('connection accepted from', listener.lastAccepted);
conn.send([2.25, null, 'junk', 10n]);
conn.sendBytes(Buffer.from('hello'));
conn.sendBytes(new Int32Array([42, 1729]));
