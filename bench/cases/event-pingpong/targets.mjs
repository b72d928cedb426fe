// The child's side of the ping-pong.
export async function pong(ping, pongEvent, rounds, mode) {
  for (let i = 0; i < rounds; i++) {
    if (mode === 'async') await ping.wait();
    else ping.waitSync();
    ping.clear();
    pongEvent.set();
  }
}
