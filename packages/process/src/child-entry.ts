/**
 * The child bootstrap's bundle: only what a child needs to start (built with
 * `@multiproc/serialize/decode` in place of the full codec). Everything it shares with the
 * package's main bundle lives in `sharedState`, so both see one process identity.
 */
export { runChild } from './child.js';
