/**
 * The data channel between the pool and one worker: a socket pair, one end in each.
 *
 * Why a socket pair: it is private to the two of them from birth (no path in the filesystem, no
 * server to accept strangers, nothing to clean up after a crash), and its worker end travels to
 * the worker as a handle of its start arguments (a descriptor in the child's stdio for a process,
 * a duplicated descriptor for a thread). Why not Node's IPC channel: it serializes every message
 * on its own (JSON or structured clone) and costs ~23 µs a round trip against ~17 µs for a plain
 * socket (NATIVE-NOTES.md).
 *
 * Both ends read with `onread` into a static buffer instead of through a readable stream: a
 * stream pushes each read through its buffering and `'data'` machinery, which measured ~2.5 µs of
 * a ~14 µs round trip here. Each read is copied out of the static buffer before the frames are
 * split (frames may outlive the read: queued tasks, imap results), which is what the stream would
 * have allocated anyway.
 */
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { FrameDecoder, ProcessError, registerShareable } from '@multiproc/serialize';

/** One socket read, at most. */
const kReadSize = 64 * 1024;
/** Shared by every channel of this thread: a read is copied out before its callback returns. */
let readBuffer: Buffer | undefined;

/** What a channel reports. */
export interface ChannelEvents {
  /** The complete frames of one read, in order. */
  frames(frames: Buffer[]): void;
  /** The stream broke the framing rules: the other end must go. */
  broken(): void;
}

/** Wraps one end of a socket pair. The socket owns the descriptor from now on. */
export function openChannel(fd: number, events: ChannelEvents): Socket {
  const decoder = new FrameDecoder();
  readBuffer ??= Buffer.allocUnsafe(kReadSize);
  // `onread` works on any socket Node makes, though @types/node declares it for connect() only.
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd,
    readable: true,
    writable: true,
    onread: {
      buffer: readBuffer,
      callback(nread: number, buffer: Uint8Array): boolean {
        let frames: Buffer[];
        try {
          frames = decoder.push(Buffer.from(buffer.subarray(0, nread)));
        } catch {
          socket.destroy();
          events.broken();
          return false;
        }
        if (frames.length > 0) events.frames(frames);
        return true;
      },
    },
  };
  const socket: Socket = new Socket(options);
  socket.on('error', () => undefined);
  return socket;
}

/**
 * The worker's end of a channel, as it travels in the worker's start arguments: the process layer
 * passes the descriptor to the child (`EncodeContext.transfer`), which receives `{ fd }`.
 */
export class ChannelEnd {
  constructor(readonly fd: number) {}
}

registerShareable<ChannelEnd>({
  name: 'multiproc.pool.ChannelEnd',
  Class: ChannelEnd,
  // The worker bundle registers this type too: a worker loads only it, never the whole package.
  module: new URL('./worker.cjs', import.meta.url).href,
  toHandle: (end, context) => context.transfer({ kind: 'fd', fd: end.fd }),
  fromHandle: (index, context) => {
    const handle = context.handles[index as number] as number | { fd: number } | undefined;
    const fd = typeof handle === 'number' ? handle : handle?.fd;
    if (fd === undefined)
      throw new ProcessError('a pool worker started without its channel', 'ERR_MP_NO_HANDLE');
    return new ChannelEnd(fd);
  },
});
