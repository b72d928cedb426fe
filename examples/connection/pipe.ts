// Python: "Exchanging objects between processes", Pipes.
//   run: pnpm --filter @multiproc/examples exec tsx connection/pipe.ts
import { Pipe, Process, isMainProcess, type Connection } from 'multiproc';

export function f(conn: Connection): void {
  conn.send([42, null, 'hello']);
  conn.close();
}

if (isMainProcess()) {
  const [parentConn, childConn] = Pipe();
  const p = new Process({ target: f, args: [childConn] });
  p.start();
  console.log(await parentConn.recv()); // prints "[ 42, null, 'hello' ]"
  await p.join();
}
