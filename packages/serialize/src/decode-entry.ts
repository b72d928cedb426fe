/**
 * `@multiproc/serialize/decode`: the receiving half alone (decode, function resolution, the
 * shareable registry), for child processes that must start fast.
 *
 * @packageDocumentation
 */
export { decode, decodeAsync } from './decode.js';
export { resolveFunction } from './resolve.js';
export {
  registerShareable,
  shareableTypeByName,
  type DecodeContext,
  type ShareableType,
} from './registry.js';
export { sharedState } from './shared-state.js';
export type { FunctionSpec } from './functions.js';
