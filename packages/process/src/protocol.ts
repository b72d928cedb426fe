/**
 * Messages of the control channel between a parent and each child it started.
 *
 * For the `spawn` method the channel is Node's IPC channel (`serialization: 'advanced'`, so
 * Buffers travel as bytes and Node can attach a socket or server handle to a message); for the
 * `thread` method it is the worker's message port. The start message carries the msgpack-encoded
 * `StartPayload`; `ext` messages carry traffic of other multiproc packages, routed by `topic`.
 */
import type { FunctionSpec } from '@multiproc/serialize';
import type { Identity } from './current.js';

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
