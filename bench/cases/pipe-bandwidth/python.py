"""CPython: send_bytes bandwidth over multiprocessing.Pipe. A child (default start method) sends
1 MiB messages, then 64 MiB ones; the parent receives each with recv_bytes ('recv_bytes') or
into one reused bytearray ('recv_bytes_into'). Each figure: bytes received / time from the
parent's go to the last byte."""

import sys
from multiprocessing import Pipe, Process

from bench_runner import emit, now_ms, params


def send(conn, rounds):
    for size, count in rounds:
        buf = bytes([7]) * size
        conn.send("ready")
        conn.recv()
        for _ in range(count):
            conn.send_bytes(buf)
    conn.close()


if __name__ == "__main__":
    receive = sys.argv[1] if len(sys.argv) > 1 else "recv_bytes"
    p = params(count1=512, count64=8)
    rounds = [(1024 * 1024, p["count1"]), (64 * 1024 * 1024, p["count64"])]
    conn, child_conn = Pipe()
    child = Process(target=send, args=(child_conn, rounds))
    child.start()
    child_conn.close()
    figures = []
    for size, count in rounds:
        into = bytearray(size) if receive == "recv_bytes_into" else None
        conn.recv()  # the child is running and its message is ready: the clock starts now
        conn.send("go")
        t0 = now_ms()
        received = 0
        for _ in range(count):
            if into is not None:
                received += conn.recv_bytes_into(into)
            else:
                received += len(conn.recv_bytes())
        figures.append(received / 1e6 / ((now_ms() - t0) / 1000))
    child.join()
    emit({"mib1": figures[0], "mib64": figures[1]})
