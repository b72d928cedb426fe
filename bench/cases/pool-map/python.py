"""CPython: multiprocessing.Pool(workers).map(square, range(n)) with the default chunksize."""

import multiprocessing
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_pool-lib"))

from bench_runner import emit, params  # noqa: E402
from tasks import square  # noqa: E402


def workers_from(counts):
    if "--workers" in sys.argv:
        return int(sys.argv[sys.argv.index("--workers") + 1])
    return int(counts["workers"])


def timed_map(pool, items, last):
    t0 = time.perf_counter()
    out = pool.map(square, items)
    seconds = time.perf_counter() - t0
    if len(out) != len(items) or out[-1] != last:
        raise RuntimeError("wrong results")
    return len(items) / seconds


def main():
    counts = params(items=1_000_000, workers=2, warmup=3, repeats=7, firstWarmup=1000)
    workers = workers_from(counts)
    items = list(range(counts["items"]))
    last = (counts["items"] - 1) ** 2
    # The first call, first thing in this fresh process (see node.mjs).
    with multiprocessing.Pool(workers) as pool:
        pool.map(square, range(counts["firstWarmup"]))
        first_rate = timed_map(pool, items, last)
    rates = []
    with multiprocessing.Pool(workers) as pool:
        pool.map(square, range(workers * 4), chunksize=1)
        for r in range(counts["warmup"] + counts["repeats"]):
            rate = timed_map(pool, items, last)
            if r >= counts["warmup"]:
                rates.append(rate)
    emit(
        {"itemsPerSecond": statistics.median(rates), "firstItemsPerSecond": first_rate},
        {"workers": workers, "repeats": rates},
    )


if __name__ == "__main__":
    main()
