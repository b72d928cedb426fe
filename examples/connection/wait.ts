// Python: "Listeners and Clients", wait() for messages from multiple processes at once.
//   run: pnpm --filter @multiproc/examples exec tsx connection/wait.ts
import {
  EOFError,
  Pipe,
  Process,
  currentProcess,
  isMainProcess,
  wait,
  type Connection,
} from 'multiproc';

export function foo(w: Connection): void {
  for (let i = 0; i < 10; i++) w.send([i, currentProcess().name]);
  w.close();
}

if (isMainProcess()) {
  const readers: Connection[] = [];
  for (let i = 0; i < 4; i++) {
    const [r, w] = Pipe(false);
    readers.push(r);
    const p = new Process({ target: foo, args: [w] });
    p.start();
    // We close the writable end of the pipe now to be sure that p is the only process which
    // owns a handle for it. This ensures that when p closes its handle for the writable end,
    // wait() will promptly report the readable end as being ready.
    w.close();
  }

  while (readers.length > 0) {
    for (const r of await wait(readers)) {
      let msg: unknown;
      try {
        msg = await r.recv();
      } catch (error) {
        if (!(error instanceof EOFError)) throw error;
        readers.splice(readers.indexOf(r), 1);
        continue;
      }
      console.log(msg);
    }
  }
}
