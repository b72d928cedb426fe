// Timeouts of connections follow the one rule (undefined/null forever, 0 or less at once, NaN
// throws), and one of 2^31 ms or more waits instead of firing at once as a plain Node timer does.
import { Client, Listener, Pipe, wait } from '@multiproc/connection';
import { Opened, hasSettled, sleep } from './helpers.js';

const opened = new Opened();
afterEach(() => opened.closeAll());

describe.each([2 ** 31, 1e12])('a timeout of %d ms', (timeout) => {
  it('conn.poll() waits for a message instead of answering false at once', async () => {
    const [a, b] = Pipe();
    opened.add(a, b);
    const polled = b.poll(timeout);
    await sleep(500);
    expect(await hasSettled(polled)).toBe(false);
    a.send('late');
    expect(await polled).toBe(true);
    expect(await b.recv()).toBe('late');
  });

  it('wait() waits for a ready connection instead of answering [] at once', async () => {
    const [a, b] = Pipe();
    opened.add(a, b);
    const waited = wait([b], timeout);
    await sleep(500);
    expect(await hasSettled(waited)).toBe(false);
    a.send('late');
    expect(await waited).toEqual([b]);
  });

  it('a Listener with it as handshakeTimeout authenticates clients', async () => {
    const listener = await Listener.listen({ authkey: 'k', handshakeTimeout: timeout });
    opened.add(listener);
    const accepted = listener.accept();
    const client = await Client({
      address: listener.address,
      authkey: 'k',
      handshakeTimeout: timeout,
    });
    opened.add(client);
    const server = await accepted;
    opened.add(server);
    client.send('hello');
    expect(await server.recv()).toBe('hello');
  });
});

describe('the timeout rule', () => {
  it('poll() and wait(): 0 or less answer at once, null waits, NaN and strings throw', async () => {
    const [a, b] = Pipe();
    opened.add(a, b);
    expect([await b.poll(0), await b.poll(-5), await b.poll(-Infinity)]).toEqual([
      false,
      false,
      false,
    ]);
    expect(await wait([b], -1)).toEqual([]);
    const forever = b.poll(null);
    await sleep(50);
    expect(await hasSettled(forever)).toBe(false);
    a.send(1);
    expect(await forever).toBe(true);
    await expect(b.poll(NaN)).rejects.toThrow(
      new TypeError(
        'timeout must be a number of milliseconds, or null to wait forever, got NaN (number)',
      ),
    );
    await expect(wait([b], '1' as never)).rejects.toThrow(
      new TypeError(
        'timeout must be a number of milliseconds, or null to wait forever, got "1" (string)',
      ),
    );
  });
});
