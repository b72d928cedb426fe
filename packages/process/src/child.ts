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
 * A `spawn` child also exits when its parent dies: the IPC channel disconnects.
 */
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { decodeAsync, resolveFunction, sharedState, type FunctionSpec } from '#serialize';
import { adoptIdentity } from './current.js';
import { ParentIpcChannel, ParentPortChannel, type ControlChannel } from './channel.js';
import { settleChildren } from './exit.js';
import { isParentMessage, isThreadStart, reviveOptions, type StartPayload } from './protocol.js';
import type { Process } from './process.js';

const channelState = sharedState<{ channel: ControlChannel | null }>('parentChannel', () => ({
  channel: null,
}));

/**
 * The control channel to the parent, in a child started by multiproc; `null` in the main
 * process. Other multiproc packages use it for their own messages.
 */
export function parentChannel(): ControlChannel | null {
  return channelState.channel;
}

/** Hooks other packages run in a child before its target (e.g. joining the resource tracker). */
const startHooks = sharedState<{ hooks: (() => void | Promise<void>)[] }>(
  'childStartHooks',
  () => ({ hooks: [] }),
);

/** @internal Registers a function every child runs before its target. */
export function onChildStart(hook: () => void | Promise<void>): void {
  startHooks.hooks.push(hook);
}

/**
 * Entry of the child bootstrap (`bootstrap/child.mjs` / `child.cjs`). Not for direct use.
 * @internal
 */
export function runChild(): void {
  // A spawn child has an IPC channel (`process.send`); a thread-context worker does not.
  if (!process.send) {
    const { parentPort, workerData } = createRequire(import.meta.url)(
      'node:worker_threads',
    ) as typeof import('node:worker_threads');
    if (parentPort && isThreadStart(workerData)) {
      channelState.channel = new ParentPortChannel(parentPort);
      void start(workerData.payload, [], (code) => process.exit(code));
      return;
    }
  }
  if (!process.send) {
    process.stderr.write('multiproc: this bootstrap runs only in a child started by multiproc\n');
    process.exit(1);
  }
  channelState.channel = new ParentIpcChannel();
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
    const start = (await decodeAsync(payload, { handles })) as StartPayload;
    name = start.identity.name;
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
  const target = start.target ? await resolveTarget(start.target) : undefined;
  if (!start.subclass) {
    await target?.(...start.args);
    return;
  }
  const { module, name, fields } = start.subclass;
  const Class = await resolveFunction({ kind: 'ref', module, name });
  // Like unpickling: the subclass constructor does not run again; its fields arrive as sent.
  // Construct through the subclass's own base class: a mixed ESM/CommonJS program may have
  // loaded another copy of Process than this one.
  const instance = Reflect.construct(
    baseClassOf(Class),
    [reviveOptions(target, start.args)],
    Class,
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
