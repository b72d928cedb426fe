"""CPython: multiprocessing.Lock acquire + release in a loop.

Usage: python.py bound|with. `bound` calls acquire()/release() through bound methods hoisted out
of the loop (the fastest idiom); `with` uses `with lock: pass`.
"""

import multiprocessing
import sys
import time

from bench_runner import emit, params


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "bound"
    p = params(warmup=2000000, samples=4000000, batches=5)
    lock = multiprocessing.Lock()
    acquire, release = lock.acquire, lock.release

    def loop(n):
        if mode == "with":
            for _ in range(n):
                with lock:
                    pass
        else:
            for _ in range(n):
                acquire()
                release()

    loop(p["warmup"] // 10)
    count = p["samples"] // 10
    rates = []
    for _ in range(p["batches"]):
        t0 = time.perf_counter()
        loop(count)
        rates.append(count / (time.perf_counter() - t0))
    emit({"rate": max(rates)}, {"mode": mode, "count": count, "rates": rates})


if __name__ == "__main__":
    main()
