"""CPython: two processes x `increments` locked increments of a shared int.

Usage: python.py raw|value. `raw`: RawValue('i') + Lock(), `with lock: v.value += 1`; `value`:
Value('i') and its lock, `with v.get_lock(): v.value += 1`.
"""

import multiprocessing as mp
import sys
import time

from bench_runner import emit, params


def now():
    return time.monotonic_ns() / 1e6


def increment_raw(value, lock, ready, start, times, index, increments):
    ready.release()
    start.wait()
    t0 = now()
    for _ in range(increments):
        with lock:
            value.value += 1
    times[2 * index] = t0
    times[2 * index + 1] = now()


def increment_value(value, ready, start, times, index, increments):
    ready.release()
    start.wait()
    t0 = now()
    for _ in range(increments):
        with value.get_lock():
            value.value += 1
    times[2 * index] = t0
    times[2 * index + 1] = now()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "raw"
    increments = params(increments=200000)["increments"]
    ready = mp.Semaphore(0)
    start = mp.Event()
    times = mp.RawArray("d", 4)
    if mode == "raw":
        value, lock = mp.RawValue("i", 0), mp.Lock()
        children = [
            mp.Process(target=increment_raw, args=(value, lock, ready, start, times, i, increments))
            for i in range(2)
        ]
    else:
        value = mp.Value("i", 0)
        children = [
            mp.Process(target=increment_value, args=(value, ready, start, times, i, increments))
            for i in range(2)
        ]
    for c in children:
        c.start()
    for _ in children:
        ready.acquire()
    start.set()
    for c in children:
        c.join()
    if any(c.exitcode != 0 for c in children):
        raise RuntimeError("a child failed")
    if value.value != 2 * increments:
        raise RuntimeError(f"counter is {value.value}, not {2 * increments}")
    seconds = (max(times[1], times[3]) - min(times[0], times[2])) / 1000
    emit({"seconds": seconds}, {"mode": mode, "increments": increments})


if __name__ == "__main__":
    main()
