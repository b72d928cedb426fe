/**
 * The manager wire protocol: every message between a client and a manager server.
 *
 * A frame names a referent's type only by its registered typeid and a proxy class only by its
 * registered name; nothing in a frame is a module path, and nothing is evaluated. Values inside
 * `args` and results travel through `@multiproc/serialize`, where a proxy is a registered
 * shareable type (see `proxy.ts`).
 */

/** Identifies one referent in one server. */
export type ObjectId = number;

/** What a client learns about a new referent. */
export interface ReferentInfo {
  /** The referent's id in its server. */
  readonly oid: ObjectId;
  /** The registered typeid the referent was created with (`'dict'`). */
  readonly typeid: string;
  /** The methods the server lets clients call. */
  readonly exposed: readonly string[];
  /** The registered proxy class name, when the typeid has one (`'DictProxy'`). */
  readonly proxy: string | null;
}

/** Client → server. */
export type Request =
  /** Creates a referent of `typeid`, held by this connection. */
  | { type: 'create'; id: number; typeid: string; args: unknown[] }
  /** Calls `method` on referent `oid`; `timeout` (ms) bounds the wait on the server. */
  | {
      type: 'call';
      id: number;
      oid: ObjectId;
      method: string;
      args: unknown[];
      timeout: number | null;
    }
  /** Holds `oid` for a proxy on its way to another process, until `adopt` names `tid`. */
  | { type: 'transit'; oid: ObjectId; tid: string }
  /** This connection now holds `oid`, and the hold `tid` made in transit is released. */
  | { type: 'adopt'; oid: ObjectId; tid: string }
  /** This connection drops one hold on each of `oids`. */
  | { type: 'decref'; oids: ObjectId[] }
  /** How many referents the server holds (diagnostics and tests). */
  | { type: 'stats'; id: number }
  /** Stops the server once it has answered. */
  | { type: 'shutdown'; id: number };

/** Server → client. */
export type Reply =
  | { type: 'ok'; id: number; value: unknown }
  /** The result is a new referent held by this connection (`methodToTypeid`, `create`). */
  | { type: 'referent'; id: number; info: ReferentInfo }
  | { type: 'error'; id: number; error: unknown };

/**
 * Server statistics returned by `manager.stats()`.
 *
 * @example
 * ```ts
 * const { referents } = await manager.stats();
 * ```
 */
export interface ServerStats {
  /** Referents alive. */
  referents: number;
  /** Holds for proxies in transit that no receiver has adopted yet. */
  inTransit: number;
  /** Connected clients. */
  connections: number;
}

const requestTypes = new Set(['create', 'call', 'transit', 'adopt', 'decref', 'stats', 'shutdown']);

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * Checks the shape of a decoded frame; anything else is a protocol violation. Fuzzed or hostile
 * frames end here, never in a method call.
 */
export function parseRequest(frame: unknown): Request | null {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return null;
  const m = frame as Record<string, unknown>;
  if (typeof m['type'] !== 'string' || !requestTypes.has(m['type'])) return null;
  switch (m['type']) {
    case 'create':
      return isId(m['id']) && typeof m['typeid'] === 'string' && Array.isArray(m['args'])
        ? (m as Request)
        : null;
    case 'call':
      return isId(m['id']) &&
        isId(m['oid']) &&
        typeof m['method'] === 'string' &&
        Array.isArray(m['args']) &&
        (m['timeout'] === null || typeof m['timeout'] === 'number')
        ? (m as Request)
        : null;
    case 'transit':
    case 'adopt':
      return isId(m['oid']) && typeof m['tid'] === 'string' ? (m as Request) : null;
    case 'decref':
      return Array.isArray(m['oids']) && m['oids'].every(isId) ? (m as Request) : null;
    default:
      return isId(m['id']) ? (m as Request) : null;
  }
}
