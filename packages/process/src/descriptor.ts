/**
 * The descriptor behind a socket. Node keeps it on the socket's native handle; `_handle.fd` is
 * how Node itself finds it (child_process stdio does too), and this module is the one place that
 * reads it.
 */
import type { Socket } from 'node:net';

/** The socket's file descriptor, or `null` when it has none (not connected, or destroyed). */
export function descriptorOf(socket: Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}
