/**
 * The child side: what the bootstrap runs in every `spawn` child and `thread` worker.
 *
 * 1. Receive the start message (IPC for `spawn`, `workerData` for `thread`).
 * 2. Adopt the identity the parent chose (name, daemon flag, authkey, parent).
 * 3. Resolve the target (import its module, compile its source) or rebuild the exported
 *    `Process` subclass, and run it; await a returned promise.
 * 4. Exit like a Python child: 0 when the target returned, 1 after printing an uncaught error
 *    (`Process <name>:` then the stack, on stderr), N for `process.exit(N)`. Non-daemon
 *    children of the child are joined and daemon ones terminated first.
 *
 * A `spawn` child also exits when its parent dies: the kernel kills it (`PR_SET_PDEATHSIG`, armed
 * before the target runs), and an idle one also sees its IPC channel disconnect.
 */
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { resolveFunction, type FunctionSpec } from '#serialize-resolve';
import { adoptIdentity } from './current.js';
import { ParentIpcChannel, ParentPortChannel } from './channel.js';
import { setParentChannel } from './channel-state.js';
import { settleChildren } from './exit.js';
import {
  decodeStartJson,
  isParentMessage,
  isThreadStart,
  kImportingTarget,
  reviveOptions,
  type StartPayload,
} from './protocol.js';
import type { Process } from './process.js';

const lazyRequire = createRequire(import.meta.url);

/**
 * Decodes the start payload. A JSON payload (the common case: plain arguments) needs nothing
 * more; a msgpack one loads the decoder through `child-decode.cjs`, only then.
 */
async function decodeStart(payload: Uint8Array, handles: { fd: number }[]): Promise<StartPayload> {
  const json = decodeStartJson(payload);
  if (json) return json;
  const decoder = lazyRequire('./child-decode.cjs') as {
    decodeAsync(this: void, bytes: Uint8Array, context: { handles: unknown[] }): Promise<unknown>;
  };
  return (await decoder.decodeAsync(payload.subarray(1), { handles })) as StartPayload;
}

/**
 * Makes this child end when its parent *process* dies, even if the child is busy and never sees
 * its control channel close.
 *
 * A child of a process's main thread asks the kernel (`PR_SET_PDEATHSIG`). The parent passes the
 * path of the native addon it loaded, so the child loads it directly (1.3 ms measured) instead of
 * resolving `@multiproc/native`. The kernel sends that signal when the forking *thread* exits,
 * though: a child started from a worker thread would die with that thread. Such a child watches
 * its parent's pid from a thread of its own instead (a busy main thread cannot watch).
 */
function dieWithParent(identity: StartPayload['identity'], addon: string | null): void {
  const parent = identity.parent;
  if (!parent || identity.startMethod !== 'spawn') return;
  if (parent.threadId !== 0) {
    watchParentProcess(parent.pid);
    return;
  }
  if (!addon) return;
  try {
    const binding = lazyRequire(addon) as { setParentDeathSignal(signal: number): boolean };
    binding.setParentDeathSignal(9);
  } catch {
    return; // the control channel's disconnect still ends an idle child
  }
  // The parent may have died before the signal was armed.
  if (process.ppid !== parent.pid) process.exit(1);
}

/** How often a child of a worker thread checks that its parent process is alive. */
const kParentPollMs = 100;

/**
 * Kills this process once its parent pid is gone: the parent died and this process was handed to
 * another (`ppid` changes). When only the parent's thread ended, the kernel hands the child to
 * another thread of the same process and `ppid` stays.
 */
function watchParentProcess(pid: number): void {
  if (process.ppid !== pid) process.exit(1);
  const { Worker } = lazyRequire('node:worker_threads') as typeof import('node:worker_threads');
  const watcher = new Worker(
    `const { workerData } = require('node:worker_threads');
     setInterval(() => { if (process.ppid !== workerData.pid) process.kill(process.pid, 'SIGKILL'); }, workerData.ms);`,
    { eval: true, workerData: { pid, ms: kParentPollMs }, stdout: true, stderr: true },
  );
  watcher.unref();
  parentThreadOnly = pid;
}

/**
 * The parent's pid when the parent is a worker thread: its control channel closes when that
 * thread ends, which is not the end of the parent process.
 */
let parentThreadOnly: number | undefined;

/**
 * Entry of the child bootstrap (`bootstrap/child.cjs`). Not for direct use.
 * @internal
 */
export function runChild(): void {
  // A spawn child has an IPC channel (`process.send`); a thread-context worker does not.
  if (!process.send) {
    const threads = createRequire(import.meta.url)(
      'node:worker_threads',
    ) as typeof import('node:worker_threads');
    const { parentPort } = threads;
    const workerData: unknown = threads.workerData;
    if (parentPort && isThreadStart(workerData)) {
      setParentChannel(new ParentPortChannel(parentPort));
      const handles = workerData.handleFds.map((fd) => ({ fd }));
      void start(workerData.payload, handles, (code) => process.exit(code));
      return;
    }
  }
  if (!process.send) {
    process.stderr.write('multiproc: this bootstrap runs only in a child started by multiproc\n');
    process.exit(1);
  }
  setParentChannel(new ParentIpcChannel());
  // The parent is gone (even by SIGKILL): nobody will read our results, so end too.
  process.once('disconnect', () => void exitAfterParentDied());
  const onMessage = (message: unknown): void => {
    if (!isParentMessage(message) || message.type !== 'start') return;
    process.off('message', onMessage);
    // From now on the channel must not keep the child alive by itself.
    process.channel?.unref();
    const handles = message.handleFds.map((fd) => ({ fd }));
    void start(message.payload, handles, (code) => process.exit(code));
  };
  process.on('message', onMessage);
}

async function exitAfterParentDied(): Promise<void> {
  if (parentThreadOnly !== undefined && process.ppid === parentThreadOnly) return;
  try {
    await Promise.race([settleChildren(), new Promise((r) => setTimeout(r, 1000))]);
  } finally {
    process.exit(1);
  }
}

async function start(
  payload: Uint8Array,
  handles: { fd: number }[],
  exit: (code: number) => void,
): Promise<void> {
  let code = 0;
  let name = 'Process';
  try {
    const start = await decodeStart(payload, handles);
    name = start.identity.name;
    dieWithParent(start.identity, start.nativeAddon);
    adoptIdentity(start.identity);
    await run(start);
  } catch (error) {
    code = 1;
    printUncaught(name, error);
  }
  try {
    await settleChildren();
  } finally {
    exit(code);
  }
}

async function run(start: StartPayload): Promise<void> {
  const flags = globalThis as Record<symbol, unknown>;
  flags[kImportingTarget] = true;
  let target: ((...args: unknown[]) => unknown) | undefined;
  let Class: Awaited<ReturnType<typeof resolveFunction>> | undefined;
  try {
    target = start.target ? await resolveTarget(start.target) : undefined;
    if (start.subclass) {
      const { module, name } = start.subclass;
      Class = await resolveFunction({ kind: 'ref', module, name });
    }
  } finally {
    delete flags[kImportingTarget];
  }
  if (!start.subclass) {
    await target?.(...start.args);
    return;
  }
  const { fields } = start.subclass;
  const SubClass = Class as NonNullable<typeof Class>;
  // Like unpickling: the subclass constructor does not run again; its fields arrive as sent.
  // Construct through the subclass's own base class: a mixed ESM/CommonJS program may have
  // loaded another copy of Process than this one.
  const instance = Reflect.construct(
    baseClassOf(SubClass),
    [reviveOptions(target, start.args)],
    SubClass,
  ) as Process;
  Object.assign(instance, fields);
  await instance.run();
}

async function resolveTarget(spec: FunctionSpec): Promise<(...args: unknown[]) => unknown> {
  return resolveFunction(spec);
}

/** The root of a class chain: `Process` (of whichever copy the subclass extends). */
function baseClassOf(Class: object): new (...args: unknown[]) => unknown {
  let c = Class;
  for (;;) {
    const parent = Object.getPrototypeOf(c) as object;
    if (parent === Function.prototype || parent === null)
      return c as new (...args: unknown[]) => unknown;
    c = parent;
  }
}

function printUncaught(name: string, error: unknown): void {
  const text = error instanceof Error && error.stack ? error.stack : inspect(error);
  process.stderr.write(`Process ${name}:\n${text}\n`);
}
