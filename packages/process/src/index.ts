/**
 * `@multiproc/process`: `Process`, contexts and start methods, and the identity of the running
 * process.
 *
 * @packageDocumentation
 */
export { Process, activeChildren, type ProcessOptions, type Target } from './process.js';
export {
  CurrentProcess,
  cpuCount,
  currentProcess,
  isMainProcess,
  parentProcess,
  type ParentProcess,
} from './current.js';
export {
  getAllStartMethods,
  getStartMethod,
  setStartMethod,
  type StartMethod,
} from './start-method.js';
export { ProcessContext, getContext } from './context.js';
export { ProcessError, TimeoutError, taskRef, type TaskRef } from '@multiproc/serialize';
