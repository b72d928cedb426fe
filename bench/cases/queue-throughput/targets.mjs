// Children of the queue-throughput case: producers and consumers that start on a go signal.

/**
 * Puts `warmup` items, says 'warm', then puts `count` items (built by `kind`), once every
 * process has said it is ready (`start`) and the warm-up is over (`go`).
 */
export async function produce(q, ctl, start, go, warmup, count, kind, size) {
  const item = kind === 'int' ? null : Buffer.alloc(size, 7);
  await ctl.put('ready');
  await start.wait();
  if (kind === 'int') for (let i = 0; i < warmup; i++) q.putSync(i);
  else for (let i = 0; i < warmup; i++) q.putSync(item);
  await ctl.put('warm');
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
