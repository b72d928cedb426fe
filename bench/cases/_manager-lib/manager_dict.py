"""CPython twin of dict.mjs: children do set+get pairs on a multiprocessing.Manager dict."""

import time
from multiprocessing import Manager, Process

from bench_runner import emit, params


def dict_pairs(d, times, barrier, i, warmup, pairs):
    cold = time.monotonic_ns() / 1e6
    for n in range(warmup):
        d[i] = n
        d[i]
    warm = time.monotonic_ns() / 1e6
    barrier.wait()
    start = time.monotonic_ns() / 1e6
    for n in range(pairs):
        d[i] = n
        d[i]
    end = time.monotonic_ns() / 1e6
    times[i] = (start, end, cold, warm)


def main():
    p = params(children=1, warmup=3000, pairs=5000)
    children = p["children"]
    with Manager() as manager:
        d = manager.dict()
        times = manager.dict()
        barrier = manager.Barrier(children)
        ps = [
            Process(target=dict_pairs, args=(d, times, barrier, i, p["warmup"], p["pairs"]))
            for i in range(children)
        ]
        for proc in ps:
            proc.start()
        for proc in ps:
            proc.join()
        if any(proc.exitcode != 0 for proc in ps):
            raise RuntimeError("a child failed")
        spans = [times[i] for i in range(children)]
        start = min(s[0] for s in spans)
        end = max(s[1] for s in spans)
        per_second = children * p["pairs"] / ((end - start) / 1000)
        cold = min(s[2] for s in spans)
        warm = max(s[3] for s in spans)
        emit(
            {
                "pairsPerSecond": per_second,
                "usPerOp": 1e6 / per_second / 2 * children,
                "coldPairsPerSecond": children * p["warmup"] / ((warm - cold) / 1000),
            }
        )
