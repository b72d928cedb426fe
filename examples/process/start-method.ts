// Python: "Contexts and start methods", choosing the start method with set_start_method().
// Python's example hands the message back through a Queue; this port uses a Pipe.
//   run: pnpm --filter @multiproc/examples exec tsx process/start-method.ts
import mp, { isMainProcess, type Connection } from 'multiproc';

export function foo(conn: Connection): void {
  conn.send('hello');
  conn.close();
}

if (isMainProcess()) {
  mp.setStartMethod('spawn');
  const [reader, writer] = mp.Pipe(false);
  const p = new mp.Process({ target: foo, args: [writer] });
  p.start();
  console.log(await reader.recv());
  await p.join();
}
