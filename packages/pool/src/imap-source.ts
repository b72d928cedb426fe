/**
 * The source of an `imap` call (an iterable or an async iterable) read chunk by chunk, for the
 * local pool's imap and the distributed pool's alike.
 */

/** The source's iterator, and whether its steps come synchronously. */
export type Source =
  { sync: true; iterator: Iterator<unknown> } | { sync: false; iterator: AsyncIterator<unknown> };

/** One chunk read from a source: the source ended after it (`done`) or threw (`failed`). */
export interface ChunkRead {
  chunk: unknown[];
  done: boolean;
  failed: { error: unknown } | null;
}

/**
 * Reads chunks of up to `size` items while `wantsMore()` holds, handing each to `submit`. For a
 * sync source it runs to its end before returning (it awaits nothing), so chunks go out in the
 * caller's tick; for an async source it awaits each step.
 */
export async function readChunks(
  source: Source,
  size: number,
  wantsMore: () => boolean,
  submit: (read: ChunkRead) => void,
): Promise<void> {
  while (wantsMore()) {
    const chunk: unknown[] = [];
    let done = false;
    let failed: { error: unknown } | null = null;
    try {
      while (chunk.length < size) {
        const step = source.sync ? source.iterator.next() : await source.iterator.next();
        if (step.done) {
          done = true;
          break;
        }
        chunk.push(step.value);
      }
    } catch (error) {
      failed = { error };
    }
    submit({ chunk, done, failed });
  }
}
