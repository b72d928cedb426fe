"""CPython: multiprocessing.Queue. Producers in child processes put as fast as they can;
consumers take with get. Each figure: items (or bytes) moved / time from go to the last item,
after a warm-up run by the same processes.
Idle: CPU time of this process per second while a get waits on an empty queue."""

import time
from multiprocessing import Event, Process, Queue

from bench_runner import emit, now_ms, params


def produce(q, ctl, start, go, warmup, count, kind, size):
    item = None if kind == "int" else bytes([7]) * size
    ctl.put("ready")
    start.wait()
    for i in range(warmup):
        q.put(i if kind == "int" else item)
    ctl.put("warm")
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


def run(producers, consumers, count, warmup, kind, size=0):
    q = Queue(0 if kind == "int" else 64)
    ctl = Queue()
    start = Event()
    go = Event()
    per = count // producers
    warm_per = warmup // producers
    children = [
        Process(target=produce, args=(q, ctl, start, go, warm_per, per, kind, size))
        for _ in range(producers)
    ]
    children += [Process(target=consume, args=(q, ctl)) for _ in range(consumers)]

    def take(n):
        got = 0
        for _ in range(n):
            item = q.get()
            got += 1 if kind == "int" else len(item)
        return got

    for p in children:
        p.start()
    for _ in children:
        ctl.get()
    start.set()
    c0 = now_ms()
    # The same warm-up as multiproc.mjs runs (nothing to compile here, but the same steps).
    if consumers == 0:
        take(warm_per * producers)
    for _ in range(producers):
        ctl.get()
    while q.qsize() > 0:
        time.sleep(0.001)
    cold_seconds = (now_ms() - c0) / 1000
    go.set()
    t0 = now_ms()
    got = 0
    if consumers == 0:
        got = take(per * producers)
    else:
        for p in children[:producers]:
            p.join()
        for _ in range(consumers):
            q.put(None)
        for _ in range(consumers):
            got += ctl.get()
        got -= warm_per * producers
    seconds = (now_ms() - t0) / 1000
    for p in children:
        p.join()
    scale = 1 if kind == "int" else 1e6
    return got / scale / seconds, warm_per * producers * (size or 1) / scale / cold_seconds


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
    p = params(
        ints=200000,
        ints4Items=2000000,
        kibItems=50000,
        mibItems=300,
        warmupInts=50000,
        warmupKib=5000,
        warmupMib=30,
    )
    # The floor half before and half after the idle consumer, as multiproc.mjs takes it.
    cpu_before, wall_before = sleep_cost(1.5)
    idle_ms = idle()
    cpu_after, wall_after = sleep_cost(1.5)
    floor_ms = (cpu_before + cpu_after) / ((wall_before + wall_after) / 1000)
    ints1, cold_ints1 = run(1, 0, p["ints"], p["warmupInts"], "int")
    ints4, _ = run(4, 4, p["ints4Items"], p["warmupInts"], "int")
    kib1, _ = run(1, 0, p["kibItems"], p["warmupKib"], "buf", 1024)
    mib1, _ = run(1, 0, p["mibItems"], p["warmupMib"], "buf", 1 << 20)
    emit(
        {
            "ints1": ints1,
            "ints4": ints4,
            "kib1": kib1,
            "mib1": mib1,
            "coldInts1": cold_ints1,
            "idle": idle_ms,
            "idleFloor": floor_ms,
        }
    )
