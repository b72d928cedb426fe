# send_bytes bandwidth between two processes over a Pipe (CPython): a child sends `count`
# messages of `size` MiB; the parent receives them with recv_bytes.
#   python3 bandwidth.py [sizeMiB] [count] [recv_bytes|recv_bytes_into]
# Prints one JSON line: { case, impl, receive, sizeMiB, count, seconds, mbPerSecond }.
import json
import sys
import time
from multiprocessing import Pipe, Process


def send(conn, size, count):
    buf = bytes([7]) * size
    conn.recv()
    for _ in range(count):
        conn.send_bytes(buf)
    conn.close()


if __name__ == '__main__':
    size_mib = float(sys.argv[1]) if len(sys.argv) > 1 else 1
    count = int(sys.argv[2]) if len(sys.argv) > 2 else max(4, round(512 / size_mib))
    size = int(size_mib * 1024 * 1024)
    receive = sys.argv[3] if len(sys.argv) > 3 else 'recv_bytes'
    conn, child_conn = Pipe()
    child = Process(target=send, args=(child_conn, size, count))
    child.start()
    child_conn.close()
    conn.send('go')
    started = time.perf_counter()
    received = 0
    if receive == 'recv_bytes_into':
        into = bytearray(size)
        for _ in range(count):
            received += conn.recv_bytes_into(into)
    else:
        for _ in range(count):
            received += len(conn.recv_bytes())
    seconds = time.perf_counter() - started
    child.join()
    assert received == size * count
    print(json.dumps({
        'case': 'bandwidth', 'impl': 'cpython', 'receive': receive, 'sizeMiB': size_mib, 'count': count,
        'seconds': seconds, 'mbPerSecond': round(received / seconds / 1e6),
    }))
