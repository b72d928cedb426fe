/** The raw functions of the compiled addon; `index.ts` validates arguments before calling them. */
/**
 * What a futex wait ended with: woken (`'ok'`), the word differed (`'not-equal'`), or the timeout
 * passed (`'timed-out'`).
 *
 * @example
 * ```ts
 * const r: FutexWaitResult = futexWaitSync(word, 0, 0, 10);
 * ```
 */
export type FutexWaitResult = 'ok' | 'not-equal' | 'timed-out';

export interface RawSegment {
  buffer: SharedArrayBuffer;
  fd: number;
  size: number;
}

export interface Binding {
  shmCreate(name: string, size: number): RawSegment;
  shmAttach(name: string): RawSegment;
  shmOpen(name: string): number;
  shmUnlink(name: string): void;
  memfdCreate(name: string, size: number): number;
  mapFd(fd: number, size: number | undefined): SharedArrayBuffer;
  copyBytes(
    target: ArrayBufferView,
    targetOffset: number,
    source: ArrayBufferView,
    sourceOffset: number,
    length: number,
  ): number;
  closeFd(fd: number): void;
  dupFd(fd: number): number;
  flock(fd: number, mode: 'shared' | 'exclusive' | 'unlock', wait: boolean): boolean;
  setCloexec(fd: number, on: boolean): void;
  futexWaitSync(
    view: Int32Array,
    index: number,
    expected: number,
    timeout: number | undefined,
  ): FutexWaitResult;
  futexWait(
    view: Int32Array,
    index: number,
    expected: number,
    timeout: number | undefined,
    order: number | undefined,
    exclusive: boolean,
    recheck: boolean,
  ): Promise<FutexWaitResult>;
  futexWake(view: Int32Array, index: number, count: number): number;
  pendingWaits(): number;
  isProcessAlive(pid: number): boolean;
  setParentDeathSignal(signal: number): boolean;
  processSlot(key: string, value?: string): string | undefined;
  unixListen(path: string): number;
  unixConnect(path: string): number;
  socketpair(): [number, number];
  keepWarm(micros: number): void;
  yieldCpu(): void;
  allocBody(size: number): ArrayBuffer | undefined;
  bodyCacheBytes(): number;
  readWait(
    fd: number,
    target: ArrayBufferView,
    offset: number,
    length: number,
    spinMicros: number,
  ): number;
}
