"""CPython: 64 MiB parent -> running child through shared_memory.SharedMemory. The parent copies
in; the child copies out into its own bytearray ('copy') or scans every byte in place with
mmap.find, which copies nothing ('scan'), then answers one line. Median MB/s over the transfers."""

import subprocess
import sys

from multiprocessing import shared_memory

from bench_runner import emit, now_ms, params

N = 64 * 1024 * 1024


def child(name, take):
    shm = shared_memory.SharedMemory(name=name)
    # A separate program to CPython's tracker, which would otherwise unlink the parent's segment
    # when this child exits (a known CPython bug); opt out the usual way.
    from multiprocessing import resource_tracker

    resource_tracker.unregister(shm._name, "shared_memory")
    dst = bytearray(N)
    for _ in sys.stdin:
        if take == "scan":
            found = shm._mmap.find(b"\x00", 0, N)
        else:
            dst[:] = shm.buf[:N]
            found = dst[N - 1]
        sys.stdout.write("%d\n" % found)
        sys.stdout.flush()
    shm.close()


def main(take):
    transfers = params(transfers=7)["transfers"]
    src = bytes([7]) * N
    shm = shared_memory.SharedMemory(create=True, size=N)
    proc = subprocess.Popen([sys.executable, __file__, "child", shm.name, take], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    times = []
    for i in range(transfers + 1):
        t0 = now_ms()
        shm.buf[:N] = src
        proc.stdin.write("go\n")
        proc.stdin.flush()
        proc.stdout.readline()
        if i > 0:
            times.append(now_ms() - t0)
    proc.stdin.close()
    proc.wait()
    shm.close()
    shm.unlink()
    ms = sorted(times)[len(times) // 2]
    emit({"throughput": N / 1e6 / (ms / 1000)})


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "child":
        child(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "copy")
