import { activeChildren } from '@multiproc/process';
import { Client, Listener, Pipe, type Connection } from '@multiproc/connection';

/** The transports every connection test runs over. */
export type Transport = 'pipe' | 'unix' | 'tcp';
export const transports: Transport[] = ['pipe', 'unix', 'tcp'];

/** Two connected ends over `transport`. */
export async function connectedPair(transport: Transport): Promise<[Connection, Connection]> {
  if (transport === 'pipe') return Pipe();
  const listener = await Listener.listen(transport === 'unix' ? {} : { address: ['127.0.0.1', 0] });
  try {
    const [client, server] = await Promise.all([
      Client({ address: listener.address }),
      listener.accept(),
    ]);
    return [client, server];
  } finally {
    listener.close();
  }
}

/** Closes connections a test opened, whatever happened in it. */
export class Opened {
  readonly #all: { close(): void }[] = [];

  add<T extends { close(): void }>(...items: T[]): T[] {
    this.#all.push(...items);
    return items;
  }

  async pair(transport: Transport): Promise<[Connection, Connection]> {
    const pair = await connectedPair(transport);
    this.add(...pair);
    return pair;
  }

  closeAll(): void {
    for (const item of this.#all.splice(0)) item.close();
  }
}

/** Kills and reaps whatever a test left running, so no child outlives its test. */
export async function killLeftovers(): Promise<void> {
  const left = activeChildren();
  for (const p of left) p.kill();
  await Promise.all(left.map((p) => p.join(5000)));
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether a promise has settled, after letting pending I/O callbacks run once. */
export async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}
