// Python: "Contexts and start methods", a context object from get_context(): the same API as the
// module, bound to one start method. Python's example hands the message back through a Queue;
// this port uses a Pipe.
//   run: pnpm --filter @multiproc/examples exec tsx process/contexts.ts
import mp, { isMainProcess, type Connection } from 'multiproc';

export function foo(conn: Connection): void {
  conn.send('hello');
  conn.close();
}

if (isMainProcess()) {
  const ctx = mp.getContext('spawn');
  const [reader, writer] = ctx.Pipe(false);
  const p = new ctx.Process({ target: foo, args: [writer] });
  p.start();
  console.log(await reader.recv());
  await p.join();
}
