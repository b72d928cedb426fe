# CPython: 64 MiB from a parent to a running child through shared_memory.SharedMemory (parent
# copies in, child copies out into its own bytearray). Median GB/s over the rounds, one JSON line.
import json, subprocess, sys, time
from multiprocessing import shared_memory

N = 64 * 1024 * 1024
rounds = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 7

if len(sys.argv) > 2 and sys.argv[1] == "child":
    shm = shared_memory.SharedMemory(name=sys.argv[2])
    # This child is a separate program to CPython's tracker, which would otherwise unlink the
    # parent's segment when the child exits (the known CPython bug); opt out the usual way.
    from multiprocessing import resource_tracker
    resource_tracker.unregister(shm._name, "shared_memory")
    dst = bytearray(N)
    for line in sys.stdin:
        dst[:] = shm.buf[:N]
        sys.stdout.write("%d\n" % dst[N - 1])
        sys.stdout.flush()
    shm.close()
    sys.exit(0)

src = bytes([7]) * N
shm = shared_memory.SharedMemory(create=True, size=N)
shm.buf[:N] = bytes([1]) * N
child = subprocess.Popen([sys.executable, __file__, "child", shm.name], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
times = []
for _ in range(rounds):
    t0 = time.perf_counter()
    shm.buf[:N] = src
    child.stdin.write("go\n")
    child.stdin.flush()
    child.stdout.readline()
    times.append(time.perf_counter() - t0)
child.stdin.close()
child.wait()
shm.close()
shm.unlink()
ms = sorted(times)[len(times) // 2] * 1000
print(json.dumps({"case": "bulk-64MiB-parent-to-child", "impl": "cpython SharedMemory", "ms": ms,
                  "gbPerSec": N / 1e9 / (ms / 1000)}))
