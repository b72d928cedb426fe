/**
 * Address formats of `Listener` and `Client`, as in Python: a string is a Unix socket path
 * (`'AF_UNIX'`), a `[host, port]` pair a TCP address (`'AF_INET'`; `'AF_INET6'` when asked).
 */
import { lookup } from 'node:dns/promises';
import { invalidArgument } from '@multiproc/serialize';

/**
 * A Unix socket path, or `[host, port]` for TCP.
 *
 * @example
 * ```ts
 * const local: Address = '/tmp/my-app.sock';
 * const tcp: Address = ['localhost', 6000];
 * ```
 */
export type Address = string | readonly [host: string, port: number];

/**
 * Socket families. Windows named pipes (`AF_PIPE`) are not supported.
 *
 * @example
 * ```ts
 * await Listener.listen({ family: 'AF_INET' }); // 127.0.0.1, a free port
 * ```
 */
export type Family = 'AF_UNIX' | 'AF_INET' | 'AF_INET6';

const families = new Set<string>(['AF_UNIX', 'AF_INET', 'AF_INET6']);

/** Checks an address (if given) and a family, and infers the family from the address. */
export function checkAddress(
  address: unknown,
  family: unknown,
  path: string,
): { address: Address | undefined; family: Family } {
  if (family !== undefined && (typeof family !== 'string' || !families.has(family))) {
    throw invalidArgument(`${path}.family`, "'AF_UNIX', 'AF_INET' or 'AF_INET6'", family);
  }
  if (address === undefined || address === null) {
    return { address: undefined, family: (family as Family | undefined) ?? 'AF_UNIX' };
  }
  if (typeof address === 'string') {
    if (address.length === 0) throw invalidArgument(`${path}.address`, 'a non-empty path', address);
    if (family !== undefined && family !== 'AF_UNIX') {
      throw invalidArgument(`${path}.address`, `a [host, port] pair for ${family}`, address);
    }
    return { address, family: 'AF_UNIX' };
  }
  if (
    Array.isArray(address) &&
    address.length === 2 &&
    typeof address[0] === 'string' &&
    Number.isInteger(address[1]) &&
    (address[1] as number) >= 0 &&
    (address[1] as number) <= 65535
  ) {
    if (family === 'AF_UNIX') {
      throw invalidArgument(`${path}.address`, 'a socket path for AF_UNIX', address);
    }
    return {
      address: [address[0], address[1] as number],
      family: (family as Family | undefined) ?? 'AF_INET',
    };
  }
  throw invalidArgument(
    `${path}.address`,
    'a Unix socket path or a [host, port] pair with a port in 0..65535',
    address,
  );
}

/** The IP address a host name stands for in a family (`localhost` → `127.0.0.1` for AF_INET). */
export async function resolveHost(host: string, family: 'AF_INET' | 'AF_INET6'): Promise<string> {
  const { address } = await lookup(host || (family === 'AF_INET' ? '0.0.0.0' : '::'), {
    family: family === 'AF_INET' ? 4 : 6,
  });
  return address;
}
