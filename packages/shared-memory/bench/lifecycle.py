# CPython's shared_memory.SharedMemory create + attach + close + unlink (4 KiB), for comparison.
import json, sys, time
from multiprocessing import shared_memory

ops = int(sys.argv[1]) if len(sys.argv) > 1 else 5000

def once():
    shm = shared_memory.SharedMemory(create=True, size=4096)
    other = shared_memory.SharedMemory(name=shm.name)
    other.close()
    shm.close()
    shm.unlink()

for _ in range(500):
    once()
t0 = time.perf_counter()
for _ in range(ops):
    once()
seconds = time.perf_counter() - t0
print(json.dumps({"case": "shm-create-attach-close-unlink", "impl": "cpython", "ops": ops,
                  "opsPerSec": ops / seconds, "usPerOp": seconds * 1e6 / ops}))
