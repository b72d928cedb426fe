"""CPython: multiprocessing.get_context(method).Process(target=...).start() then join().

Usage: python.py spawn|forkserver|fork. The target reads CLOCK_MONOTONIC first thing and leaves
the reading in a file, exactly as the Node implementations' target does.
"""

import multiprocessing
import os
import sys
import tempfile
import time

from bench_runner import emit, params, unavailable


def mark_running(path):
    stamp = time.monotonic_ns()
    with open(path, "w") as f:
        f.write(str(stamp))


def main():
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"
    if method not in multiprocessing.get_all_start_methods():
        unavailable(f"start method {method!r} is not available on {sys.platform}")
    ctx = multiprocessing.get_context(method)
    counts = params(warmup=3, samples=30)
    running, joined = [], []
    with tempfile.TemporaryDirectory(prefix="bench-process-start-") as scratch:
        mark = os.path.join(scratch, "running")
        for i in range(counts["warmup"] + counts["samples"]):
            t0 = time.monotonic_ns()
            p = ctx.Process(target=mark_running, args=(mark,))
            p.start()
            p.join()
            t1 = time.monotonic_ns()
            if p.exitcode != 0:
                raise RuntimeError(f"child exited with {p.exitcode}")
            p.close()
            try:
                with open(mark) as f:
                    stamp = int(f.read())
            except FileNotFoundError:
                raise RuntimeError("the child exited without running its target (no mark file)")
            os.unlink(mark)
            if i >= counts["warmup"]:
                running.append((stamp - t0) / 1e6)
                joined.append((t1 - t0) / 1e6)
    emit({"startToRunning": running, "startToJoin": joined}, {"method": method})


if __name__ == "__main__":
    main()
