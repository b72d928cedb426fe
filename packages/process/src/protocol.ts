/**
 * Messages of the control channel between a parent and each child it started.
 *
 * For the `spawn` method the channel is Node's IPC channel (`serialization: 'advanced'`, so
 * Buffers travel as bytes and Node can attach a socket or server handle to a message); for the
 * `thread` method it is the worker's message port. The start message carries the msgpack-encoded
 * `StartPayload`; `ext` messages carry traffic of other multiproc packages, routed by `topic`.
 */
import type { FunctionSpec } from '@multiproc/serialize';

/** The identity a child receives from its parent at start. */
export interface Identity {
  name: string;
  daemon: boolean;
  /** Python's `_identity`: the child's position in the tree, e.g. `[1, 2]` for `Process-1:2`. */
  identity: number[];
  authkey: Buffer;
  parent: { pid: number; name: string; threadId: number } | null;
  startMethod: 'spawn' | 'thread' | null;
}

/** Parent → child. */
export type ParentMessage =
  | {
      type: 'start';
      /** `StartPayload`, msgpack-encoded. */
      payload: Uint8Array;
      /** Child file descriptors of the handles transferred at start, by transfer index. */
      handleFds: number[];
    }
  | ExtMessage;

/** Child → parent. */
export type ChildMessage = ExtMessage;

/** A message of another package (managers, pools …) on the control channel. */
export interface ExtMessage {
  type: 'ext';
  topic: string;
  data: unknown;
}

/** What a child needs to become the process its parent described. */
export interface StartPayload {
  identity: Identity;
  /** Path of the native addon the parent loaded, for the child's parent-death signal. */
  nativeAddon: string | null;
  /** The function to call, or `null` when a subclass's `run()` does the work. */
  target: FunctionSpec | null;
  args: unknown[];
  /** An exported `Process` subclass and the instance's own fields, when `run()` is overridden. */
  subclass: { module: string; name: string; fields: Record<string, unknown> } | null;
}

/** What a `thread`-context worker finds in `workerData`. */
export interface ThreadStart {
  multiprocThread: true;
  payload: Uint8Array;
  /** Duplicated descriptors of the handles transferred at start, by transfer index. */
  handleFds: number[];
}

/** True for the `workerData` of a multiproc thread-context worker. */
export function isThreadStart(value: unknown): value is ThreadStart {
  return (
    typeof value === 'object' && value !== null && (value as ThreadStart).multiprocThread === true
  );
}

/** True for a message of the control channel. */
export function isParentMessage(value: unknown): value is ParentMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'start' || type === 'ext';
}

/** Marks the instance the child bootstrap rebuilds from an exported subclass. */
const kRevive = Symbol.for('multiproc.reviveProcess');

/** What the bootstrap passes to `Process`'s constructor to rebuild a subclass instance. */
export interface ReviveOptions {
  [kRevive]: true;
  target: ((...args: unknown[]) => unknown) | undefined;
  args: unknown[];
}

/** Options that make `Process`'s constructor rebuild the current process instead of a child. */
export function reviveOptions(target: ReviveOptions['target'], args: unknown[]): ReviveOptions {
  return { [kRevive]: true, target, args };
}

/** True for `reviveOptions()`'s result. */
export function isReviveOptions(value: unknown): value is ReviveOptions {
  return typeof value === 'object' && value !== null && kRevive in value;
}

/**
 * Start payload formats, told apart by the first byte: `J` + JSON text when the arguments are
 * plain JSON (the child then needs no msgpack decoder), `M` + msgpack otherwise.
 */
export const enum StartFormat {
  Json = 0x4a,
  Msgpack = 0x4d,
}

/** The JSON form of a start payload: the authkey travels as base64. */
export function encodeStartJson(start: StartPayload): Buffer {
  const text = JSON.stringify({
    ...start,
    identity: { ...start.identity, authkey: start.identity.authkey.toString('base64') },
  });
  const out = Buffer.allocUnsafe(1 + Buffer.byteLength(text));
  out[0] = StartFormat.Json;
  out.write(text, 1);
  return out;
}

/** Decodes a JSON start payload, or returns `undefined` for another format. */
export function decodeStartJson(payload: Uint8Array): StartPayload | undefined {
  if (payload[0] !== StartFormat.Json) return undefined;
  const text = Buffer.from(
    payload.buffer,
    payload.byteOffset + 1,
    payload.byteLength - 1,
  ).toString();
  const start = JSON.parse(text) as StartPayload & { identity: { authkey: string } };
  return {
    ...start,
    identity: { ...start.identity, authkey: Buffer.from(start.identity.authkey, 'base64') },
  };
}

/**
 * Set on `globalThis` by the child bootstrap while it imports the module of its target (shared
 * by every copy of this package in the process). A module that starts processes as it loads,
 * without an `isMainProcess()` guard, would otherwise start them again in every child, and those
 * children again: each level refuses instead.
 */
export const kImportingTarget = Symbol.for('multiproc.importingTarget');
