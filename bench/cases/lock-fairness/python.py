"""CPython: `processes` children hammer one multiprocessing.Lock for `ms` ms (fork)."""

import multiprocessing as mp
import time

from bench_runner import emit, params


def hammer(lock, counter, ready, start, stats, index, ms):
    ready.release()
    start.wait()
    longest = 0.0
    count = 0
    end = time.perf_counter() + ms / 1000
    while True:
        t0 = time.perf_counter()
        if t0 >= end:
            break
        lock.acquire()
        waited = time.perf_counter() - t0
        counter.value += 1
        lock.release()
        if waited > longest:
            longest = waited
        count += 1
    stats[2 * index] = count
    stats[2 * index + 1] = longest * 1000


def main():
    p = params(processes=4, ms=1500)
    n, ms = p["processes"], p["ms"]
    lock, counter = mp.Lock(), mp.RawValue("i", 0)
    ready, start = mp.Semaphore(0), mp.Event()
    stats = mp.RawArray("d", 2 * n)
    children = [
        mp.Process(target=hammer, args=(lock, counter, ready, start, stats, i, ms)) for i in range(n)
    ]
    for c in children:
        c.start()
    for _ in children:
        ready.acquire()
    start.set()
    for c in children:
        c.join()
    if any(c.exitcode != 0 for c in children):
        raise RuntimeError("a child failed")
    counts = [stats[2 * i] for i in range(n)]
    if counter.value != int(sum(counts)):
        raise RuntimeError(f"counter {counter.value} != {sum(counts)} acquisitions")
    emit(
        {"longestWait": max(stats[2 * i + 1] for i in range(n)), "rate": sum(counts) / (ms / 1000)},
        {"counts": counts},
    )


if __name__ == "__main__":
    main()
