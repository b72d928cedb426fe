/**
 * The pool's data channel: one socket pair per worker (`channel.ts`), carrying length-prefixed frames
 * (`@multiproc/serialize`'s framing). Each frame payload starts with a fixed 16-byte header,
 * followed by a body whose format the header names:
 *
 * ```
 *  0      1       2          4          8          12         16
 *  +------+-------+----------+----------+----------+----------+---------------------+
 *  | type | flags | handles  | taskId   | a        | b        | body …              |
 *  | u8   | u8    | u16 LE   | u32 LE   | u32 LE   | u32 LE   |                     |
 *  +------+-------+----------+----------+----------+----------+---------------------+
 * ```
 *
 * The header is 16 bytes so that a body of float64s starts 8-byte aligned in a frame the decoder
 * allocated on its own (frames larger than one socket read), where it is read as a
 * `Float64Array` without a copy. Bodies are msgpack (the project codec) or raw float64s: a chunk
 * of plain numbers travels as their bytes, with no per-item encoding (the `map` fast path).
 *
 * The meaning of `a` and `b` depends on the type; see each member of `WireMessage`.
 */
import { brandErrorClass } from '@multiproc/native';
import { MultiprocError, type MultiprocErrorOptions } from '@multiproc/serialize';

/** Size of the fixed header at the start of every frame payload. */
export const kHeaderSize = 16;

/** Message types (the `type` byte). */
export const enum Type {
  /** parent → worker: a function the following tasks call. a = fnId; body = msgpack FunctionSpec */
  Function = 1,
  /** parent → worker: run a task. taskId; a = fnId; b = index of its first item; body per flags */
  Task = 2,
  /**
   * worker → parent, its first frame: ready for tasks. a = worker id; body (flag `InitFailed`):
   * the initializer's error, msgpack. (The pool lets a worker go by closing its end of the
   * channel: the worker finishes what it holds and exits.)
   */
  Hello = 10,
  /** worker → parent: a task finished. taskId; a = item count; b = run time in µs; body per flags */
  Result = 12,
}

/** Flag bits (the `flags` byte). */
export const enum Flag {
  /** body: float64 values (Task: items; Result: results). */
  F64 = 1 << 0,
  /** Task body: msgpack array of items, `fn(item)` each. */
  Items = 1 << 1,
  /** Task body: msgpack array of argument arrays, `fn(...args)` each (starmap). */
  Star = 1 << 2,
  /** Task body: msgpack argument array, one call `fn(...args)` (apply). */
  Args = 1 << 3,
  /** Task: stop at the first item that throws (map fails as a whole); else record and go on. */
  StopOnError = 1 << 4,
  /** Result body: msgpack `[values, [[index, error], …]]`; `values` has a hole per error. */
  Errors = 1 << 5,
  /** Result: the worker asks to be replaced after this task (memory over its limit). */
  Retire = 1 << 6,
  /** Hello: the initializer threw; the worker will not take tasks. */
  InitFailed = 1 << 7,
}

/** How a task's body is laid out. */
export type TaskBody =
  | { kind: 'args'; bytes: Uint8Array }
  | { kind: 'items'; bytes: Uint8Array }
  | { kind: 'star'; bytes: Uint8Array }
  | { kind: 'f64'; values: Float64Array };

/** How a result's body is laid out: `f64`: every result a number; `values`: msgpack array;
 * `errors`: values and errors. */
export type ResultBody =
  | { kind: 'f64'; values: Float64Array }
  | { kind: 'values'; bytes: Uint8Array }
  | { kind: 'errors'; bytes: Uint8Array };

/** Every message of the data channel, discriminated on `type`. */
export type WireMessage =
  | { type: Type.Function; fnId: number; spec: Uint8Array }
  | {
      type: Type.Task;
      taskId: number;
      fnId: number;
      start: number;
      stopOnError: boolean;
      handles: number;
      body: TaskBody;
    }
  | { type: Type.Hello; workerId: number; initError: Uint8Array | null }
  | {
      type: Type.Result;
      taskId: number;
      count: number;
      runMicros: number;
      retire: boolean;
      body: ResultBody;
    };

// ---------------------------------------------------------------------------------------------
// Writing. Each writer returns the buffers of one frame: the 4-byte length prefix and header in
// one small buffer, the body in its own (a float64 body is never copied into the header buffer).

/**
 * The length prefix and header of a frame, with room for `inline` body bytes after them (the
 * caller copies those in): small frames go out as one buffer, one write.
 */
function head(
  type: Type,
  flags: number,
  bodyLength: number,
  taskId = 0,
  a = 0,
  b = 0,
  handles = 0,
  inline = 0,
): Buffer {
  const buf = Buffer.allocUnsafe(4 + kHeaderSize + inline);
  buf.writeUInt32BE(kHeaderSize + bodyLength, 0);
  buf[4] = type;
  buf[5] = flags;
  buf.writeUInt16LE(handles, 6);
  buf.writeUInt32LE(taskId, 8);
  buf.writeUInt32LE(a, 12);
  buf.writeUInt32LE(b, 16);
  return buf;
}

/** Bodies up to this size are copied behind the header (one buffer); larger ones are not copied. */
const kInlineBody = 16 * 1024;

/** A frame with a msgpack body: one buffer for a small body, header + body for a large one. */
function frameWith(
  type: Type,
  flags: number,
  body: Uint8Array,
  taskId = 0,
  a = 0,
  b = 0,
  handles = 0,
): Buffer[] {
  if (body.length <= kInlineBody) {
    const buf = head(type, flags, body.length, taskId, a, b, handles, body.length);
    buf.set(body, 4 + kHeaderSize);
    return [buf];
  }
  return [
    head(type, flags, body.length, taskId, a, b, handles),
    Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  ];
}

/**
 * A float64 array to fill entirely, without zeroing it first. `new Float64Array(n)` asks for
 * zeroed memory, which for a chunk-sized array means fresh pages and a page fault per 4 KiB on
 * the first write (costly in a VM); unzeroed memory is recycled by the allocator.
 */
export function uninitializedF64(length: number): Float64Array {
  if (length === 0) return new Float64Array(0);
  const bytes = Buffer.allocUnsafeSlow(length * 8);
  return new Float64Array(bytes.buffer, bytes.byteOffset, length);
}

/** Bytes of a float64 array, without a copy. */
export function f64Bytes(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** The frame of a message, as buffers to write in order. */
export function writeMessage(message: WireMessage): Buffer[] {
  switch (message.type) {
    case Type.Function:
      return frameWith(Type.Function, 0, message.spec, 0, message.fnId);
    case Type.Task: {
      const { body, taskId, fnId, start, handles } = message;
      const stop = message.stopOnError ? Flag.StopOnError : 0;
      switch (body.kind) {
        case 'args':
          return frameWith(Type.Task, stop | Flag.Args, body.bytes, taskId, fnId, start, handles);
        case 'items':
          return frameWith(Type.Task, stop | Flag.Items, body.bytes, taskId, fnId, start, handles);
        case 'star':
          return frameWith(Type.Task, stop | Flag.Star, body.bytes, taskId, fnId, start, handles);
        case 'f64': {
          const bytes = f64Bytes(body.values);
          const flags = stop | Flag.F64 | Flag.Items;
          return [head(Type.Task, flags, bytes.length, taskId, fnId, start, handles), bytes];
        }
      }
      break;
    }
    case Type.Hello: {
      const { initError } = message;
      const flags = initError ? Flag.InitFailed : 0;
      return frameWith(Type.Hello, flags, initError ?? new Uint8Array(0), 0, message.workerId);
    }
    case Type.Result: {
      const { body, taskId, count } = message;
      const runMicros = Math.min(message.runMicros, 0xffffffff);
      const retire = message.retire ? Flag.Retire : 0;
      if (body.kind === 'f64') {
        const bytes = f64Bytes(body.values);
        const flags = retire | Flag.F64;
        return [head(Type.Result, flags, bytes.length, taskId, count, runMicros), bytes];
      }
      const flags = retire | (body.kind === 'errors' ? Flag.Errors : 0);
      return frameWith(Type.Result, flags, body.bytes, taskId, count, runMicros);
    }
  }
  throw new ProtocolError(
    `cannot write a pool message of type ${String((message as { type: unknown }).type)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A float64 view of `bytes`, copied only when the bytes are not 8-byte aligned. */
function f64View(frame: Buffer, offset: number): Float64Array {
  const length = (frame.length - offset) >>> 3;
  const start = frame.byteOffset + offset;
  if (start % 8 === 0) return new Float64Array(frame.buffer, start, length);
  const copy = uninitializedF64(length);
  new Uint8Array(copy.buffer).set(frame.subarray(offset, offset + length * 8));
  return copy;
}

/** Thrown for a frame that breaks this protocol (a peer that is not a pool worker or parent). */
export class ProtocolError extends MultiprocError {
  constructor(message: string, options?: MultiprocErrorOptions) {
    super(message, 'ERR_MP_POOL_PROTOCOL', options);
  }
}
brandErrorClass(ProtocolError, 'ProtocolError');

/** Decodes the header (and locates the body) of one frame payload. */
export function readMessage(frame: Buffer): WireMessage {
  if (frame.length < kHeaderSize)
    throw new ProtocolError(`pool frame of ${frame.length} bytes is too short`);
  const type = frame[0] as Type;
  const flags = frame[1] as number;
  const handles = frame.readUInt16LE(2);
  const taskId = frame.readUInt32LE(4);
  const a = frame.readUInt32LE(8);
  const b = frame.readUInt32LE(12);
  const body = frame.subarray(kHeaderSize);
  switch (type) {
    case Type.Function:
      return { type, fnId: a, spec: body };
    case Type.Task: {
      let taskBody: TaskBody;
      if (flags & Flag.F64) taskBody = { kind: 'f64', values: f64View(frame, kHeaderSize) };
      else if (flags & Flag.Star) taskBody = { kind: 'star', bytes: body };
      else if (flags & Flag.Items) taskBody = { kind: 'items', bytes: body };
      else taskBody = { kind: 'args', bytes: body };
      return {
        type,
        taskId,
        fnId: a,
        start: b,
        stopOnError: (flags & Flag.StopOnError) !== 0,
        handles,
        body: taskBody,
      };
    }
    case Type.Hello:
      return { type, workerId: a, initError: flags & Flag.InitFailed ? body : null };
    case Type.Result:
      return {
        type,
        taskId,
        count: a,
        runMicros: b,
        retire: (flags & Flag.Retire) !== 0,
        body:
          flags & Flag.F64
            ? { kind: 'f64', values: f64View(frame, kHeaderSize) }
            : flags & Flag.Errors
              ? { kind: 'errors', bytes: body }
              : { kind: 'values', bytes: body },
      };
    default:
      throw new ProtocolError(`unknown pool message type ${String(type)}`);
  }
}
