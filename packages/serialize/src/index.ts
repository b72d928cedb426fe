/**
 * `@multiproc/serialize`: how values, functions and OS handles travel between processes.
 *
 * @packageDocumentation
 */
// Every error class, and the helpers that make their messages.
export * from './errors.js';
export { assertSendable, encode, encodeTrusted, type EncodeOptions } from './codec.js';
export { decode, decodeAsync } from './decode.js';
export {
  registerShareable,
  registerUnsendable,
  shareableTypeByName,
  shareableTypeOf,
  type DecodeContext,
  type EncodeContext,
  type ShareableType,
  type TransferableHandle,
} from './registry.js';
export {
  describeFunction,
  isTaskRef,
  resolveFunction,
  resolveFunctionSync,
  taskRef,
  type FunctionSpec,
  type TaskRef,
} from './functions.js';
export { locateFunction, type FunctionLocation } from './locate.js';
export { analyzeFunctionSource, type FunctionSourceAnalysis } from './free-variables.js';
export {
  FrameDecoder,
  FrameError,
  LONG_FRAME_HEADER,
  MAX_FRAME_LENGTH,
  SHORT_FRAME_HEADER,
  frame,
  frameHeader,
  parseFrameHeader,
  type FrameHead,
  type FrameDecoderOptions,
} from './framing.js';
export { NeedsImportError, UnsendableError } from './wire-errors.js';
export { sharedState } from './shared-state.js';
export { isJsonSafe } from './json.js';
