// Python: "multiprocessing.shared_memory", the first example: one segment seen through two
// SharedMemory objects. Python runs it in one interactive session; so does this port.
//   run: pnpm --filter @multiproc/examples exec tsx shared-memory/shared-memory.ts
import { SharedMemory } from 'multiproc';

const shmA = new SharedMemory({ create: true, size: 10 });
console.log(shmA.buf instanceof SharedArrayBuffer); // Python's buf is a memoryview
const buffer = new Uint8Array(shmA.buf, 0, shmA.size);
console.log(buffer.length);
buffer.set([22, 33, 44, 55]); // modify multiple bytes at once
buffer[4] = 100; // modify a single byte at a time

// Attach to the existing segment by its name.
const shmB = new SharedMemory({ name: shmA.name });
console.log(Int8Array.from(new Uint8Array(shmB.buf, 0, 5))); // copy the data into a new typed array
new Uint8Array(shmB.buf).set(Buffer.from('howdy')); // modify through shmB

// Access through shmA.
console.log(Buffer.from(shmA.buf, 0, 5).toString());

shmB.close(); // close each SharedMemory object
shmA.close();
shmA.unlink(); // call unlink only once to release the segment
