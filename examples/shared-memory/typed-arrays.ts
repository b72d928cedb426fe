// Python: "multiprocessing.shared_memory", the NumPy example: an array of int64 backed by a
// segment, which a second process attaches to by name and changes. JavaScript's typed arrays take
// NumPy's place; the "other Python shell" is a child process here.
//   run: pnpm --filter @multiproc/examples exec tsx shared-memory/typed-arrays.ts
import { Process, SharedMemory, isMainProcess } from 'multiproc';

export function other(name: string): void {
  // Attach to the existing segment.
  const existingShm = new SharedMemory({ name });
  // Note that c has 6 elements, like b in the first process.
  const c = new BigInt64Array(existingShm.buf, 0, 6);
  console.log('child sees', c);
  c[5] = 888n;
  existingShm.close();
}

if (isMainProcess()) {
  const a = BigInt64Array.from([1n, 1n, 2n, 3n, 5n, 8n]); // start with an existing array
  const shm = new SharedMemory({ create: true, size: a.byteLength });
  // Now create a typed array backed by shared memory, and copy the original data into it.
  const b = new BigInt64Array(shm.buf, 0, a.length);
  b.set(a);
  console.log(b);

  const p = new Process({ target: other, args: [shm.name] });
  p.start();
  await p.join();

  console.log(b); // the child's change is visible here
  shm.close();
  shm.unlink(); // free and release the shared memory block at the very end
}
