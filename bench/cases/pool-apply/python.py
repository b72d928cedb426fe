"""CPython: sequential multiprocessing.Pool.apply(square, (i,)) round trips."""

import multiprocessing
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_pool-lib"))

from bench_runner import emit, params  # noqa: E402
from tasks import square  # noqa: E402


def main():
    counts = params(workers=2, warmup=5000, samples=10000, spinners=0)
    # Busy loops at the lowest priority keep the CPUs from idling deeply (see node.mjs).
    spinners = [
        subprocess.Popen(["nice", "-n", "19", sys.executable, "-c", "while True: pass"])
        for _ in range(counts["spinners"])
    ]
    time.sleep(0.2 if spinners else 0)
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else counts["workers"]
    latencies = []
    with multiprocessing.Pool(workers) as pool:
        pool.map(square, range(workers * 4), chunksize=1)
        for i in range(counts["warmup"] + counts["samples"]):
            t0 = time.perf_counter_ns()
            y = pool.apply(square, (i,))
            micros = (time.perf_counter_ns() - t0) / 1e3
            if y != i * i:
                raise RuntimeError("wrong result")
            if i >= counts["warmup"]:
                latencies.append(micros)
    for s in spinners:
        s.kill()
        s.wait()
    emit({"latency": latencies}, {"spinners": counts["spinners"]})


if __name__ == "__main__":
    main()
