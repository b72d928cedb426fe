// SharedMemory create + attach + close + unlink, one 4 KiB segment per operation.
// Prints one JSON line: {"case":"shm-create-attach-close-unlink","impl":"multiproc",...}
import { SharedMemory } from '@multiproc/shared-memory';

const ops = Number(process.argv[2] ?? 5000);
function once() {
  const shm = new SharedMemory({ create: true, size: 4096 });
  const other = new SharedMemory({ name: shm.name });
  other.close();
  shm.close();
  shm.unlink();
}
for (let i = 0; i < 500; i++) once(); // warm-up (and the tracker start)
const t0 = performance.now();
for (let i = 0; i < ops; i++) once();
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    case: 'shm-create-attach-close-unlink',
    impl: 'multiproc',
    ops,
    opsPerSec: ops / seconds,
    usPerOp: (seconds * 1e6) / ops,
  }),
);
