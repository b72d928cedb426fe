"""CPython: multiprocessing.Queue. Producers in child processes put as fast as they can;
consumers take with get. Each figure: items (or bytes) moved / time from go to the last item.
Idle: CPU time of this process per second while a get waits on an empty queue."""

import time
from multiprocessing import Event, Process, Queue

from bench_runner import emit, now_ms, params


def produce(q, ctl, go, count, kind, size):
    item = None if kind == "int" else bytes([7]) * size
    ctl.put("ready")
    go.wait()
    if kind == "int":
        for i in range(count):
            q.put(i)
    else:
        for _ in range(count):
            q.put(item)


def consume(q, ctl):
    ctl.put("ready")
    n = 0
    while True:
        item = q.get()
        if item is None:
            break
        n += 1
    ctl.put(n)


def run(producers, consumers, count, kind, size=0):
    q = Queue(0 if kind == "int" else 64)
    ctl = Queue()
    go = Event()
    per = count // producers
    children = [Process(target=produce, args=(q, ctl, go, per, kind, size)) for _ in range(producers)]
    children += [Process(target=consume, args=(q, ctl)) for _ in range(consumers)]
    for p in children:
        p.start()
    for _ in children:
        ctl.get()
    go.set()
    t0 = now_ms()
    got = 0
    if consumers == 0:
        for _ in range(per * producers):
            item = q.get()
            got += 1 if kind == "int" else len(item)
    else:
        for p in children[:producers]:
            p.join()
        for _ in range(consumers):
            q.put(None)
        for _ in range(consumers):
            got += ctl.get()
    seconds = (now_ms() - t0) / 1000
    for p in children:
        p.join()
    return got / seconds if kind == "int" else got / 1e6 / seconds


def idle():
    q = Queue()
    try:
        q.get(timeout=0.1)  # the first wait starts the feeder machinery: not idle cost
    except Exception:
        pass
    c0 = time.process_time()
    t0 = now_ms()
    try:
        q.get(timeout=3)
    except Exception:
        pass
    return (time.process_time() - c0) * 1000 / ((now_ms() - t0) / 1000)


def sleep_cost(seconds):
    """This process sleeping without a queue (the interpreter's own cost): CPU ms, wall ms."""
    c0 = time.process_time()
    t0 = now_ms()
    time.sleep(seconds)
    return (time.process_time() - c0) * 1000, now_ms() - t0


if __name__ == "__main__":
    p = params(ints=200000, kibItems=50000, mibItems=300)
    # The floor half before and half after the idle consumer, as multiproc.mjs takes it.
    cpu_before, wall_before = sleep_cost(1.5)
    idle_ms = idle()
    cpu_after, wall_after = sleep_cost(1.5)
    floor_ms = (cpu_before + cpu_after) / ((wall_before + wall_after) / 1000)
    emit(
        {
            "ints1": run(1, 0, p["ints"], "int"),
            "ints4": run(4, 4, p["ints"], "int"),
            "kib1": run(1, 0, p["kibItems"], "buf", 1024),
            "mib1": run(1, 0, p["mibItems"], "buf", 1 << 20),
            "idle": idle_ms,
            "idleFloor": floor_ms,
        }
    )
