// The Listeners and clients page: a server loop that goes on accepting after a client fails to
// prove the key (accept() rejects with AuthenticationError for that client only).
//   run: pnpm --filter @multiproc/examples exec tsx connection/server-loop.ts
import {
  AuthenticationError,
  Client,
  Listener,
  Process,
  isMainProcess,
  type Address,
} from 'multiproc';

export async function client(address: Address, authkey: string): Promise<void> {
  try {
    const conn = await Client({ address, authkey });
    conn.send(`hello from the client with key ${JSON.stringify(authkey)}`);
    conn.close();
  } catch (error) {
    console.log(`client with key ${JSON.stringify(authkey)}: ${(error as Error).name}`);
  }
}

if (isMainProcess()) {
  await using listener = await Listener.listen({
    address: ['127.0.0.1', 0],
    authkey: 'secret password',
  });
  for (const key of ['wrong password', 'secret password']) {
    const p = new Process({ target: client, args: [listener.address, key] });
    p.start();
    await p.join();
  }
  for (let served = 0; served < 1;) {
    try {
      const conn = await listener.accept();
      console.log(`server: ${String(await conn.recv())}`);
      conn.close();
      served++;
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      console.log('server: a client failed to prove the key');
    }
  }
}
