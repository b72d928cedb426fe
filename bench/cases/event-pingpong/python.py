"""CPython: multiprocessing.Event ping-pong between the parent and one child (fork)."""

import multiprocessing as mp
import time

from bench_runner import emit, params


def pong(ping, pong_event, rounds):
    for _ in range(rounds):
        ping.wait()
        ping.clear()
        pong_event.set()


def main():
    p = params(warmup=2000, samples=20000)
    ping, pong_event = mp.Event(), mp.Event()
    child = mp.Process(target=pong, args=(ping, pong_event, p["warmup"] + p["samples"]))
    child.start()

    def rounds(n):
        for _ in range(n):
            ping.set()
            pong_event.wait()
            pong_event.clear()

    rounds(p["warmup"])
    t0 = time.perf_counter()
    rounds(p["samples"])
    seconds = time.perf_counter() - t0
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"the child exited with {child.exitcode}")
    emit({"rate": p["samples"] / seconds}, {"samples": p["samples"]})


if __name__ == "__main__":
    main()
