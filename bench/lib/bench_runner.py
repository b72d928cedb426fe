"""Helpers for CPython runners (cases/<name>/*.py); standard library only.

The harness puts this folder on PYTHONPATH, so runners -- and the processes they start with
spawn or forkserver, which re-import the runner -- can `import bench_runner`. See src/runner.ts
for the protocol: parameters arrive as JSON in BENCH_PARAMS; the runner ends by printing one JSON
line with emit() or unavailable().
"""

import json
import os
import sys
import time


def params(**defaults):
    """The harness's parameters merged over `defaults` (for running a runner by hand)."""
    raw = os.environ.get("BENCH_PARAMS")
    return {**defaults, **(json.loads(raw) if raw else {})}


def now_ms():
    """CLOCK_MONOTONIC in milliseconds, the clock Node's process.hrtime reads too."""
    return time.monotonic_ns() / 1e6


def emit(metrics, info=None):
    """Prints the result line: per-op samples as lists, whole-run figures as numbers."""
    line = {"metrics": metrics} if info is None else {"metrics": metrics, "info": info}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def unavailable(reason):
    """Reports the implementation as unavailable on this machine and exits."""
    sys.stdout.write(json.dumps({"unavailable": reason}) + "\n")
    sys.stdout.flush()
    sys.exit(0)
