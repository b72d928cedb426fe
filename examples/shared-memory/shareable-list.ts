// Python: "multiprocessing.shared_memory", the ShareableList example.
//   run: pnpm --filter @multiproc/examples exec tsx shared-memory/shareable-list.ts
import { ShareableList } from 'multiproc';

const a = new ShareableList(['howdy', Buffer.from('HoWdY'), -273.154, 100, null, true, 42]);
const typeOf = (entry: unknown): string =>
  entry === null ? 'null' : entry instanceof Uint8Array ? 'Uint8Array' : typeof entry;
console.log(a.toArray().map(typeOf).join(', '));
console.log(a.get(2));
a.set(2, -78.5);
console.log(a.get(2));
a.set(2, 'dry ice'); // changing types is supported
console.log(a.get(2));
try {
  a.set(2, 'larger than previously allocated storage space');
} catch (error) {
  console.log((error as Error).name); // Python raises ValueError
}
console.log(a.get(2));
console.log(a.length);
console.log(a.toArray().filter((entry) => entry === 7).length); // Python's a.count(7)
console.log(a.toArray().indexOf(42)); // Python's a.index(42)
a.shm.close();
a.shm.unlink();

// A ShareableList attached by name sees the same items.
const b = new ShareableList([0, 1, 2, 3, 4]);
const c = new ShareableList(null, { name: b.shm.name });
console.log(c.toArray());
c.set(-1, -999);
console.log(b.get(-1));
b.shm.close();
c.shm.close();
c.shm.unlink();
