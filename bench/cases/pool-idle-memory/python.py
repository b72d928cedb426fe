"""CPython: memory per idle worker of multiprocessing.Pool (fork), read from /proc."""

import multiprocessing
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_pool-lib"))

from bench_runner import emit, params, unavailable  # noqa: E402
from tasks import burn  # noqa: E402


def field(pid, file, name):
    try:
        with open(f"/proc/{pid}/{file}") as f:
            match = re.search(rf"^{name}:\s+(\d+) kB", f.read(), re.M)
        return int(match.group(1)) / 1024 if match else float("nan")
    except OSError:
        return float("nan")


def main():
    if not sys.platform.startswith("linux"):
        unavailable("reads /proc (Linux only)")
    counts = params(workers=2, settleMs=1000)
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else counts["workers"]
    with multiprocessing.Pool(workers) as pool:
        pool.map(burn, [1000] * (workers * 4), chunksize=1)
        time.sleep(counts["settleMs"] / 1000)
        pids = [p.pid for p in pool._pool]
        rss = sum(field(pid, "status", "VmRSS") for pid in pids) / len(pids)
        pss = sum(field(pid, "smaps_rollup", "Pss") for pid in pids) / len(pids)
    emit({"rss": rss, "pss": pss}, {"workers": workers, "pids": pids})


if __name__ == "__main__":
    main()
