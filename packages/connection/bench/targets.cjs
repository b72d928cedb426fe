// Child-process targets of the benchmarks (CommonJS, imported by reference in the children).
'use strict';

/** Echoes every object until `null`, receiving asynchronously. */
async function echo(conn) {
  for (;;) {
    const message = await conn.recv();
    if (message === null) break;
    conn.send(message);
  }
  conn.close();
}

/** Echoes every object until `null`, receiving with recvSync. */
function echoSync(conn) {
  for (;;) {
    const message = conn.recvSync();
    if (message === null) break;
    conn.send(message);
  }
  conn.close();
}

/** On 'go', sends `count` messages of `size` bytes, waiting for each to reach the OS. */
async function sendBytes(conn, size, count) {
  const buf = Buffer.alloc(size, 7);
  await conn.recv();
  for (let i = 0; i < count; i++) {
    conn.sendBytes(buf);
    if (process.env.NODRAIN !== '1') await conn.drain();
  }
  conn.close();
}

module.exports = { echo, echoSync, sendBytes };
