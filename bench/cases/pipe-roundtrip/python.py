"""CPython: round trips of a small object over multiprocessing.Pipe between the parent and one
child (default start method) that echoes it. Per-round-trip samples in microseconds."""

import time
from multiprocessing import Pipe, Process

from bench_runner import emit, params


def echo(conn):
    while True:
        message = conn.recv()
        if message is None:
            break
        conn.send(message)
    conn.close()


if __name__ == "__main__":
    p = params(warmup=2000, samples=20000)
    obj = [1, "hello", None]
    conn, child_conn = Pipe()
    child = Process(target=echo, args=(child_conn,))
    child.start()
    child_conn.close()
    latencies = []
    for i in range(p["warmup"] + p["samples"]):
        t0 = time.perf_counter_ns()
        conn.send(obj)
        conn.recv()
        if i >= p["warmup"]:
            latencies.append((time.perf_counter_ns() - t0) / 1e3)
    conn.send(None)
    child.join()
    emit({"roundTrip": latencies})
