"""CPython: 40 CPU-bound tasks on multiprocessing.Pool(1), then on Pool(N)."""

import multiprocessing
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_pool-lib"))

from bench_runner import emit, params  # noqa: E402
from tasks import burn  # noqa: E402


def calibrate(task_ms):
    t0 = time.perf_counter()
    burn(200_000)
    return round(200_000 * task_ms / ((time.perf_counter() - t0) * 1000))


def time_tasks(n, iterations, counts):
    with multiprocessing.Pool(n) as pool:
        pool.map(burn, [iterations] * n, chunksize=1)
        times = []
        for _ in range(counts["repeats"]):
            t0 = time.perf_counter()
            results = [pool.apply_async(burn, (iterations,)) for _ in range(counts["tasks"])]
            for r in results:
                r.get()
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    counts = params(workers=2, tasks=40, taskMs=20, repeats=3)
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else counts["workers"]
    iterations = calibrate(counts["taskMs"])
    one = time_tasks(1, iterations, counts)
    many = time_tasks(workers, iterations, counts)
    emit(
        {"speedup": one / many, "elapsedN": many},
        {"workers": workers, "iterations": iterations, "elapsed1": one, "efficiency": one / many / workers},
    )


if __name__ == "__main__":
    main()
