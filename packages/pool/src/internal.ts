/**
 * `@multiproc/pool/internal`: hooks that sibling packages share, not part of the public contract.
 * `@multiproc/bullmq` settles the `AsyncResult`s of its distributed pool with them.
 *
 * @packageDocumentation
 */
export { settleAsyncResult } from './async-result.js';
