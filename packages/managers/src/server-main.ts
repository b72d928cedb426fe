/**
 * The manager server's process: what `BaseManager.start()` runs in the child. It rebuilds the
 * registered typeids from their descriptions, listens, tells the parent its address, and serves
 * until shut down.
 */
import type { Address, Connection, Family } from '@multiproc/connection';
import { resolveFunction, type FunctionSpec } from '@multiproc/serialize';
import { builtinReferents } from './builtins.js';
import { serverTrust } from './referent-pool.js';
import { Server, type ServerType } from './server.js';

/** How a typeid travels to the server process. */
export interface TypeSpec {
  typeid: string;
  callable: { kind: 'builtin'; name: string } | FunctionSpec | null;
  exposed: string[] | null;
  methodToTypeid: Record<string, string>;
  proxy: string | null;
}

/** Everything the server process starts from. */
export interface ServerStartSpec {
  address: Address | null;
  family: Family | null;
  authkey: Buffer | null;
  types: TypeSpec[];
  initializer: FunctionSpec | null;
  initargs: unknown[];
}

async function callableOf(spec: TypeSpec): Promise<ServerType['create']> {
  const c = spec.callable;
  if (c === null) return undefined;
  if (c.kind === 'builtin') {
    const Class = builtinReferents.get(c.name);
    if (!Class) throw new TypeError(`unknown built-in referent '${c.name}'`);
    return Class as unknown as ServerType['create'];
  }
  return resolveFunction(c);
}

/**
 * @internal The manager server process's target (started by `BaseManager.start()`).
 *
 * @example
 * ```ts
 * // BaseManager.start() runs: new Process({ target: taskRef(url, 'managerServerMain'), args: [spec, writer] })
 * ```
 */
export async function managerServerMain(spec: ServerStartSpec, ready: Connection): Promise<void> {
  let server: Server;
  try {
    serverTrust.authenticated = spec.authkey !== null;
    const types = new Map<string, ServerType>();
    for (const t of spec.types) {
      types.set(t.typeid, {
        typeid: t.typeid,
        create: await callableOf(t),
        exposed: t.exposed ?? undefined,
        methodToTypeid: t.methodToTypeid,
        proxy: t.proxy,
      });
    }
    if (spec.initializer) await (await resolveFunction(spec.initializer))(...spec.initargs);
    server = await Server.listen(types, {
      address: spec.address ?? undefined,
      family: spec.family ?? undefined,
      authkey: spec.authkey,
    });
  } catch (error) {
    ready.send({ error });
    ready.close();
    return;
  }
  ready.send({ address: server.address });
  ready.close();
  await server.serveForever();
}
