# Small-object round trips per second between two processes over a Pipe (CPython).
#   python3 roundtrip.py [seconds]
# Prints one JSON line: { case, impl, roundTrips, seconds, perSecond, medianUs, p99Us }.
import json
import sys
import time
from multiprocessing import Pipe, Process


def echo(conn):
    while True:
        message = conn.recv()
        if message is None:
            break
        conn.send(message)
    conn.close()


if __name__ == '__main__':
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    obj = [1, 'hello', None]
    conn, child_conn = Pipe()
    child = Process(target=echo, args=(child_conn,))
    child.start()
    child_conn.close()
    for _ in range(2000):
        conn.send(obj)
        conn.recv()
    samples = []
    started = time.perf_counter()
    deadline = started + seconds
    now = started
    while now < deadline:
        t = time.perf_counter()
        conn.send(obj)
        conn.recv()
        now = time.perf_counter()
        samples.append(now - t)
    elapsed = time.perf_counter() - started
    conn.send(None)
    child.join()
    samples.sort()
    at = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1e6
    print(json.dumps({
        'case': 'roundtrip', 'impl': 'cpython', 'mode': 'sync', 'roundTrips': len(samples),
        'seconds': elapsed, 'perSecond': round(len(samples) / elapsed),
        'medianUs': round(at(0.5), 1), 'p99Us': round(at(0.99), 1),
    }))
