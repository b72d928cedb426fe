// Python: "Connection Objects", the interactive example (Python's array('i', …) is an Int32Array).
//   run: pnpm --filter @multiproc/examples exec tsx connection/connection-objects.ts
import { Pipe } from 'multiproc';

const [a, b] = Pipe();
a.send([1, 'hello', null]);
console.log(await b.recv()); // [ 1, 'hello', null ]
b.sendBytes(Buffer.from('thank you'));
console.log(String(await a.recvBytes())); // thank you
const arr1 = new Int32Array([0, 1, 2, 3, 4]);
const arr2 = new Int32Array(10);
a.sendBytes(arr1);
const count = await b.recvBytesInto(arr2);
console.assert(count === arr1.length * arr1.BYTES_PER_ELEMENT);
console.log(count, arr2); // 20 Int32Array(10) [ 0, 1, 2, 3, 4, 0, 0, 0, 0, 0 ]
a.close();
b.close();
