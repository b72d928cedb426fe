// Python: "Listeners and Clients", the client: it connects to the server with the same key and
// receives an object, bytes, and bytes into an Int32Array (Python's array('i', …)).
//   run: pnpm --filter @multiproc/examples exec tsx connection/client.ts [port]
import { Client } from 'multiproc';

const address = ['localhost', Number(process.argv[2] ?? 6000)] as const;

using conn = await Client({ address, authkey: 'secret password' });
console.log(await conn.recv()); // => [ 2.25, null, 'junk', 10n ]
console.log(String(await conn.recvBytes())); // => hello
const arr = new Int32Array([0, 0, 0, 0, 0]);
console.log(await conn.recvBytesInto(arr)); // => 8
console.log(arr); // => Int32Array(5) [ 42, 1729, 0, 0, 0 ]
