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


def main():
    counts = params(items=1_000_000, workers=2, warmup=3, repeats=7)
    workers = workers_from(counts)
    items = list(range(counts["items"]))
    last = (counts["items"] - 1) ** 2
    rates = []
    with multiprocessing.Pool(workers) as pool:
        pool.map(square, range(workers * 4), chunksize=1)
        for r in range(counts["warmup"] + counts["repeats"]):
            t0 = time.perf_counter()
            out = pool.map(square, items)
            seconds = time.perf_counter() - t0
            if len(out) != len(items) or out[-1] != last:
                raise RuntimeError("wrong results")
            if r >= counts["warmup"]:
                rates.append(len(items) / seconds)
    emit({"itemsPerSecond": statistics.median(rates)}, {"workers": workers, "repeats": rates})


if __name__ == "__main__":
    main()
