/**
 * The control channel between a parent and a child: a small topic router over Node's IPC
 * channel (`spawn`) or a worker's message port (`thread`). Other packages use it for their own
 * traffic (a manager handing a socket to a child, say) through `controlChannelOf(process)` in
 * the parent and `parentChannel()` in the child.
 */
import type { Server, Socket } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import type { MessagePort, Worker } from 'node:worker_threads';
import { ProcessError } from '@multiproc/serialize';
import type { ExtMessage } from './protocol.js';

/** A handle Node's IPC channel can pass beside a message (`spawn` children only). */
export type ChannelHandle = Socket | Server;

/** Listener of one topic. `handle` is set when the sender attached a socket or server. */
export type TopicListener = (data: unknown, handle: ChannelHandle | undefined) => void;

/** How a message with a handle is sent. */
export interface SendOptions {
  /** Keep the passed socket open in this process (Node closes it once sent, by default). */
  keepOpen?: boolean | undefined;
  /** Called when the message could not be delivered (the other end went away meanwhile). */
  onError?: ((error: Error) => void) | undefined;
}

/**
 * One end of a control channel. Data is structured-cloned (Buffers travel as bytes).
 */
export interface ControlChannel {
  /** Sends `data` on `topic`; `handle` (a socket or server) travels beside it (`spawn` only). */
  send(topic: string, data: unknown, handle?: ChannelHandle, options?: SendOptions): void;
  /** Listens to one topic; returns a function that stops listening. */
  on(topic: string, listener: TopicListener): () => void;
}

/** Routes `ext` messages to topic listeners. */
export class TopicRouter {
  readonly #listeners = new Map<string, Set<TopicListener>>();

  on(topic: string, listener: TopicListener): () => void {
    let set = this.#listeners.get(topic);
    if (!set) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  dispatch(message: ExtMessage, handle: ChannelHandle | undefined): void {
    const set = this.#listeners.get(message.topic);
    if (set) for (const listener of set) listener(message.data, handle);
  }
}

function isExt(message: unknown): message is ExtMessage {
  return (message as { type?: unknown } | null)?.type === 'ext';
}

/** The parent's end of a `spawn` child's channel. */
export class ChildProcessChannel implements ControlChannel {
  readonly #router = new TopicRouter();

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: unknown, handle: ChannelHandle | undefined) => {
      if (isExt(message)) this.#router.dispatch(message, handle);
    });
  }

  send(topic: string, data: unknown, handle?: ChannelHandle, options: SendOptions = {}): void {
    if (!this.child.connected)
      throw new ProcessError(
        `the child process ${this.child.pid ?? ''} is no longer connected`,
        'ERR_MP_DISCONNECTED',
      );
    const message: ExtMessage = { type: 'ext', topic, data };
    // Without `onError`, a failed write means the child died between the check and the write;
    // its exit settles whatever waited.
    const { keepOpen = false, onError } = options;
    this.child.send(message, handle, { keepOpen }, (error) => {
      if (error && onError) onError(error);
    });
  }

  on(topic: string, listener: TopicListener): () => void {
    return this.#router.on(topic, listener);
  }
}

/** The parent's end of a `thread` child's channel. */
export class WorkerChannel implements ControlChannel {
  readonly #router = new TopicRouter();

  constructor(readonly worker: Worker) {
    worker.on('message', (message: unknown) => {
      if (isExt(message)) this.#router.dispatch(message, undefined);
    });
  }

  send(topic: string, data: unknown, handle?: ChannelHandle): void {
    if (handle)
      throw new TypeError('sockets cannot be passed to a thread-context process over its channel');
    this.worker.postMessage({ type: 'ext', topic, data } satisfies ExtMessage);
  }

  on(topic: string, listener: TopicListener): () => void {
    return this.#router.on(topic, listener);
  }
}

/** The child's end of the channel, in a `spawn` child. */
export class ParentIpcChannel implements ControlChannel {
  readonly #router = new TopicRouter();

  constructor() {
    process.on('message', (message: unknown, handle: ChannelHandle | undefined) => {
      if (isExt(message)) this.#router.dispatch(message, handle);
    });
  }

  send(topic: string, data: unknown, handle?: ChannelHandle, options: SendOptions = {}): void {
    if (!process.send || !process.connected)
      throw new ProcessError('the parent process is no longer connected', 'ERR_MP_DISCONNECTED');
    const { keepOpen = false, onError } = options;
    process.send(
      { type: 'ext', topic, data } satisfies ExtMessage,
      handle,
      { keepOpen },
      (error) => {
        if (error && onError) onError(error);
      },
    );
  }

  on(topic: string, listener: TopicListener): () => void {
    return this.#router.on(topic, listener);
  }
}

/** The child's end of the channel, in a `thread` child. */
export class ParentPortChannel implements ControlChannel {
  readonly #router = new TopicRouter();

  constructor(readonly port: MessagePort) {
    port.on('message', (message: unknown) => {
      if (isExt(message)) this.#router.dispatch(message, undefined);
    });
    // Listening must not keep the worker alive once its target is done.
    port.unref();
  }

  send(topic: string, data: unknown, handle?: ChannelHandle): void {
    if (handle) throw new TypeError('sockets cannot be passed over a thread-context channel');
    this.port.postMessage({ type: 'ext', topic, data } satisfies ExtMessage);
  }

  on(topic: string, listener: TopicListener): () => void {
    return this.#router.on(topic, listener);
  }
}
