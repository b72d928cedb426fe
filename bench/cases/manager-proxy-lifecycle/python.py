"""CPython: create a dict proxy and drop it, `count` times; see case.mjs."""

import time
from multiprocessing import Manager

from bench_runner import emit, params

if __name__ == "__main__":
    p = params(warmup=300, count=3000)
    with Manager() as manager:
        for _ in range(p["warmup"]):
            d = manager.dict()
            del d
        t0 = time.monotonic_ns()
        for _ in range(p["count"]):
            d = manager.dict()
            del d
        elapsed = (time.monotonic_ns() - t0) / 1e9
        emit({"perSecond": p["count"] / elapsed})
