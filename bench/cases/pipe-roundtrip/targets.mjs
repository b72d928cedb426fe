// Child targets of the pipe cases: exported, so multiproc's children import them by reference.

/** Echoes every object until `null`, receiving asynchronously. */
export async function echo(conn) {
  for (;;) {
    const message = await conn.recv();
    if (message === null) break;
    conn.send(message);
  }
  conn.close();
}

/** Echoes every object until `null`, receiving with recvSync. */
export function echoSync(conn) {
  for (;;) {
    const message = conn.recvSync();
    if (message === null) break;
    conn.send(message);
  }
  conn.close();
}

/**
 * For each size: says it is ready, then on the parent's go sends `count` messages of `size` bytes
 * with sendBytes, waiting for each to reach the OS (what CPython's blocking send_bytes does).
 */
export async function sendBytes(conn, rounds) {
  for (const [size, count] of rounds) {
    const buf = Buffer.alloc(size, 7);
    conn.send('ready');
    await conn.recv();
    for (let i = 0; i < count; i++) {
      conn.sendBytes(buf);
      await conn.drain();
    }
  }
  conn.close();
}
