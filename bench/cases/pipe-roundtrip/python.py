"""CPython: round trips of a small message over multiprocessing.Pipe between the parent and one
child (default start method) that echoes it; a list and a dict take turns, one round trip each.
Per-round-trip samples in microseconds."""

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
    array = [1, "hello", None]
    conn, child_conn = Pipe()
    child = Process(target=echo, args=(child_conn,))
    child.start()
    child_conn.close()

    def round_trip(message):
        t0 = time.perf_counter_ns()
        conn.send(message)
        conn.recv()
        return (time.perf_counter_ns() - t0) / 1e3

    arrays = []
    objects = []
    for i in range(p["warmup"] + p["samples"]):
        a = round_trip(array)
        o = round_trip({"i": i, "op": "ping"})
        if i >= p["warmup"]:
            arrays.append(a)
            objects.append(o)
    conn.send(None)
    child.join()
    emit({"roundTrip": arrays, "roundTripObject": objects})
