/**
 * The control channels of started children, by `Process` object. Kept in `sharedState`, so the
 * package's main bundle (which registers them) and its internal entry (which other packages
 * read them through) see one map.
 */
import { ProcessError, sharedState } from '@multiproc/serialize';
import type { ControlChannel } from './channel.js';

const state = sharedState<{ channels: WeakMap<object, ControlChannel> }>('controlChannels', () => ({
  channels: new WeakMap(),
}));

/** Records the channel of a child that was just started. */
export function setControlChannel(p: object, channel: ControlChannel): void {
  state.channels.set(p, channel);
}

/**
 * The control channel to a started child, for other multiproc packages.
 *
 * @example
 * ```ts
 * controlChannelOf(p).send('my-package', { hello: true });
 * ```
 */
export function controlChannelOf(p: { readonly name: string }): ControlChannel {
  const channel = state.channels.get(p);
  if (!channel) throw new ProcessError(`process ${p.name} has not been started`);
  return channel;
}
