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


def time_tasks(pool, iterations, counts):
    t0 = time.perf_counter()
    results = [pool.apply_async(burn, (iterations,)) for _ in range(counts["tasks"])]
    for r in results:
        r.get()
    return (time.perf_counter() - t0) * 1000


def main():
    counts = params(workers=2, tasks=40, taskMs=20, repeats=5)
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else counts["workers"]
    iterations = calibrate(counts["taskMs"])
    # Both pools open at once; each repetition times one, then the other (see node.mjs).
    with multiprocessing.Pool(1) as single, multiprocessing.Pool(workers) as multi:
        for pool, n in ((single, 1), (multi, workers)):
            pool.map(burn, [iterations] * n, chunksize=1)
        ones, manys = [], []
        for _ in range(counts["repeats"]):
            ones.append(time_tasks(single, iterations, counts))
            manys.append(time_tasks(multi, iterations, counts))
    speedups = [one / many for one, many in zip(ones, manys)]
    ideal = counts["tasks"] / -(-counts["tasks"] // workers)
    emit(
        {"speedup": statistics.median(speedups), "elapsedN": statistics.median(manys)},
        {
            "workers": workers,
            "tasks": counts["tasks"],
            "iterations": iterations,
            "elapsed1": statistics.median(ones),
            "speedups": speedups,
            "ideal": ideal,
            "efficiency": statistics.median(speedups) / ideal,
        },
    )


if __name__ == "__main__":
    main()
