"""CPython: shared_memory.SharedMemory create + attach + close + unlink, 4 KiB per operation."""

from multiprocessing import shared_memory

from bench_runner import emit, now_ms, params


def once():
    shm = shared_memory.SharedMemory(create=True, size=4096)
    other = shared_memory.SharedMemory(name=shm.name)
    other.close()
    shm.close()
    shm.unlink()


def main():
    p = params(warmupMs=1000, ops=20000)
    until = now_ms() + p["warmupMs"]
    while now_ms() < until:
        once()
    t0 = now_ms()
    for _ in range(p["ops"]):
        once()
    emit({"opsPerSec": p["ops"] / ((now_ms() - t0) / 1000)})


if __name__ == "__main__":
    main()
