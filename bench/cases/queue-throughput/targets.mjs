// Children of the queue-throughput case: producers and consumers that start on a go signal.

/** Puts `count` items built by `kind`, after saying it is ready and waiting for the go. */
export async function produce(q, ctl, go, count, kind, size) {
  const item = kind === 'int' ? null : Buffer.alloc(size, 7);
  await ctl.put('ready');
  await go.wait();
  if (kind === 'int') for (let i = 0; i < count; i++) q.putSync(i);
  else for (let i = 0; i < count; i++) q.putSync(item);
}

/** Gets items until `null`, then reports how many on `ctl`. */
export async function consume(q, ctl, mode) {
  await ctl.put('ready');
  let n = 0;
  for (;;) {
    const item = mode === 'getSync' ? q.getSync() : await q.get();
    if (item === null) break;
    n++;
  }
  await ctl.put(n);
}
