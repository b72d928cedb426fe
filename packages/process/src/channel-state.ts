/**
 * The child's end of its control channel, kept in `sharedState` so that the child bundle (which
 * sets it) and the package's main bundle (which user code and other packages load) see one.
 */
import { sharedState } from '#serialize-resolve';
import type { ControlChannel } from './channel.js';

const channelState = sharedState<{ channel: ControlChannel | null }>('parentChannel', () => ({
  channel: null,
}));

/**
 * The control channel to the parent, in a child started by multiproc; `null` in the main
 * process. Other multiproc packages use it for their own messages.
 *
 * @example
 * ```ts
 * parentChannel()?.send('my-package', { ready: true });
 * ```
 */
export function parentChannel(): ControlChannel | null {
  return channelState.channel;
}

/** @internal Set by the child bootstrap. */
export function setParentChannel(channel: ControlChannel): void {
  channelState.channel = channel;
}
