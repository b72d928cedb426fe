/**
 * `@multiproc/serialize/resolve`: turning a received `FunctionSpec` back into a function, and
 * `sharedState`, without the codec. The smallest piece a child needs to run a target whose
 * arguments came as plain JSON.
 *
 * @packageDocumentation
 */
export { resolveFunction } from './resolve.js';
export { sharedState } from './shared-state.js';
export type { FunctionSpec } from './function-spec.js';
