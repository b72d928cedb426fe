/**
 * The start and the end of a worker's life: the process (or thread) that runs `worker.ts`, with
 * its end of a socket pair, and the grace periods of its end.
 */
import { closeFd, socketpair } from '@multiproc/native';
import type { Process } from '@multiproc/process';
import { taskRef } from '@multiproc/serialize';
import { ChannelEnd } from './channel.js';
import type { ResolvedPoolOptions } from './options.js';
import type { WorkerConfig } from './worker.js';

/** The function every worker runs: the loop of `worker.ts`, built as `dist/worker.cjs`. */
const workerTarget = taskRef(new URL('./worker.cjs', import.meta.url).href, 'poolWorker');

/** After `terminate()` sends SIGTERM, how long a worker has before SIGKILL. */
export const kTerminateGraceMs = 1000;
/** After a worker exits, how long its socket may take to deliver what it wrote before dying. */
export const kExitGraceMs = 500;

/**
 * Starts worker `id`: a daemon `Process` of the pool's context. Returns it and the pool's end of
 * its socket pair (a descriptor the caller owns).
 */
export function launchWorker(
  options: ResolvedPoolOptions,
  id: number,
  name: string,
  handleTopic: string,
): { process: Process; fd: number } {
  const [mine, theirs] = socketpair();
  const config: WorkerConfig = {
    channel: new ChannelEnd(theirs),
    workerId: id,
    initializer: options.initializer,
    initargs: options.initargs,
    maxMemory: options.maxMemoryPerChild,
    destination: options.context.startMethod === 'thread' ? 'thread' : 'process',
    handleTopic,
  };
  try {
    const p = new options.context.Process({
      target: workerTarget,
      args: [config],
      name,
      daemon: true,
    });
    p.start();
    return { process: p, fd: mine };
  } catch (error) {
    closeFd(mine);
    throw error;
  } finally {
    // The worker has its own copy now (inherited by the child, duplicated for a thread).
    closeFd(theirs);
  }
}

/** SIGKILL, unless the process is closed already. */
export function killProcess(p: Process): void {
  try {
    p.kill();
  } catch {
    // Already closed.
  }
}

/** SIGTERM now, SIGKILL after `kTerminateGraceMs` unless `gone()` by then. */
export function stopProcess(p: Process, gone: () => boolean, terminate: boolean): void {
  if (terminate) {
    try {
      p.terminate();
    } catch {
      // Already closed.
    }
  }
  setTimeout(() => {
    if (!gone()) killProcess(p);
  }, kTerminateGraceMs).unref();
}
