/**
 * The receiving half of the codec, for a child whose start payload is msgpack (arguments that
 * are not plain JSON). A separate file of the child build, loaded only when needed.
 */
export { decodeAsync } from '#serialize';
