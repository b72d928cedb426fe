/**
 * The registry of shareable types: objects that stand for an OS resource or a piece of shared
 * memory (locks, queues, connections, segments, manager proxies). Sending one sends a handle;
 * the receiver rebuilds an object bound to the same underlying resource.
 *
 * Packages register their types when their module loads. A receiver that has not loaded the
 * package yet loads it by the module URL recorded at registration, then rebuilds the object.
 */
import type { Socket } from 'node:net';
import { sharedState } from './shared-state.js';

/**
 * An OS resource that must travel beside the message bytes (a socket, a memfd): the process
 * control channel passes these as file descriptors.
 */
export type TransferableHandle =
  | {
      /** A socket, sent as its file descriptor. */
      kind: 'socket';
      /** The socket to send. */
      socket: Socket;
    }
  | {
      /** A file descriptor. */
      kind: 'fd';
      /** The descriptor to send. */
      fd: number;
    };

/** What a type's `toHandle` may use while a message is encoded. */
export interface EncodeContext {
  /**
   * Where the message is going, for messages that depend on it: `'process'` (to another process),
   * `'thread'` (to a thread of this process), `'any'` (unknown, e.g. stored in a queue).
   */
  readonly destination: 'process' | 'thread' | 'any';
  /**
   * Queues an OS handle to travel beside the message and returns its index in the receiver's
   * `DecodeContext.handles`. Throws if the channel cannot carry handles.
   */
  transfer(handle: TransferableHandle): number;
}

/** What a type's `fromHandle` receives. */
export interface DecodeContext {
  /** Handles that arrived beside the message, by the index `transfer()` returned. */
  readonly handles: readonly unknown[];
  /**
   * The bytes came from a peer that may be hostile (a socket from `Listener`/`Client`): nothing
   * is loaded to decode them. Only types registered in this process, and instances of classes
   * whose modules this process has already loaded, are rebuilt; a message naming any other
   * module fails with a `TypeError` and runs no code. Between a parent and its own children
   * (`false`, the default) a receiver loads the modules a message names, as it must to rebuild
   * the values of code it runs anyway.
   */
  readonly untrusted?: boolean;
}

/** How one shareable type travels. */
export interface ShareableType<T extends object = object> {
  /** A unique, stable name, e.g. `'multiproc.Lock'`. */
  readonly name: string;
  /** The class whose instances are sent as handles (matched with `instanceof`). */
  readonly Class: abstract new (...args: never[]) => T;
  /** URL of the module that registers this type, loaded by a receiver that lacks it. */
  readonly module: string;
  /** Turns an instance into sendable data (anything `encode` accepts). */
  toHandle(value: T, context: EncodeContext): unknown;
  /** Rebuilds an instance from that data in the receiving process or thread. */
  fromHandle(data: unknown, context: DecodeContext): T;
}

interface RegistryState {
  unsendable: Map<abstract new (...args: never[]) => object, { what: string; fix: string }>;
  byName: Map<string, ShareableType>;
  /** Classes from every loaded copy of multiproc (ESM and CommonJS builds register separately). */
  byClass: Map<abstract new (...args: never[]) => object, ShareableType>;
  listeners: Set<(type: ShareableType) => void>;
}

const registry = sharedState<RegistryState>('shareableRegistry', () => ({
  unsendable: new Map(),
  byName: new Map(),
  byClass: new Map(),
  listeners: new Set(),
}));

/**
 * Registers a shareable type. Call it once, at module load, from the package that owns the
 * class.
 *
 * @example
 * ```ts
 * registerShareable({
 *   name: 'multiproc.Event', Class: Event, module: import.meta.url,
 *   toHandle: (e) => e.handle(), fromHandle: (data) => Event.fromHandle(data),
 * });
 * ```
 */
export function registerShareable<T extends object>(type: ShareableType<T>): void {
  const generic = type as unknown as ShareableType;
  if (!registry.byName.has(type.name)) registry.byName.set(type.name, generic);
  if (!registry.byClass.has(type.Class)) {
    registry.byClass.set(type.Class, generic);
    for (const listener of registry.listeners) listener(generic);
  }
}

/** The registered type of a value, if it is an instance of a registered class. */
export function shareableTypeOf(value: object): ShareableType | undefined {
  for (const [Class, type] of registry.byClass) if (value instanceof Class) return type;
  return undefined;
}

/** The registered type by name. */
export function shareableTypeByName(name: string): ShareableType | undefined {
  return registry.byName.get(name);
}

/** Every registered class, and every class registered from now on. */
export function onShareableRegistered(listener: (type: ShareableType) => void): void {
  registry.listeners.add(listener);
  for (const type of registry.byClass.values()) listener(type);
}

/**
 * Marks a class whose instances must never travel (a `Process`, a `Pool`): sending one fails
 * with `<path> <what> and cannot be sent; <fix>`.
 */
export function registerUnsendable(
  Class: abstract new (...args: never[]) => object,
  what: string,
  fix = '',
): void {
  registry.unsendable.set(Class, { what, fix });
}

/** Why a value cannot be sent, if its class was marked with `registerUnsendable`. */
export function unsendableReason(value: object): { what: string; fix: string } | undefined {
  for (const [Class, reason] of registry.unsendable) if (value instanceof Class) return reason;
  return undefined;
}
