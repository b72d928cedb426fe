/**
 * `@multiproc/process/internal`: what the other multiproc packages share with this one. Not part
 * of the public contract; its names may change in any release. Users import `@multiproc/process`.
 *
 * It loads no launcher and no codec of its own, so a pool worker can read its control channel
 * without the weight of the whole package.
 *
 * @internal
 * @packageDocumentation
 */
export { parentChannel } from './channel-state.js';
export { controlChannelOf } from './control.js';
export { descriptorOf } from './descriptor.js';
export { exitedOf } from './sentinel.js';
export { onSpawn, type SpawnAddition, type SpawnHook } from './spawn-hooks.js';
export type { ChannelHandle, ControlChannel, SendOptions, TopicListener } from './channel.js';
