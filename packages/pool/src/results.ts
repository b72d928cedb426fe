/**
 * Results: a result frame's body turned back into what its task produced.
 */
import { NeedsImportError, decode, decodeAsync } from '@multiproc/serialize';
import type { ResultBody } from './protocol.js';
import type { TaskOutcome } from './task.js';

/**
 * Decodes a result body into the task's outcome and passes it to `done`, or the decoding error
 * to `failed`. Synchronous unless a result holds an instance of a class from an ES module not
 * loaded here yet (then after importing it).
 *
 * @param single - an `apply` task: its body is the one value, not a list.
 */
export function decodeResult(
  body: ResultBody,
  single: boolean,
  done: (outcome: TaskOutcome) => void,
  failed: (error: unknown) => void,
): void {
  if (body.kind === 'f64') {
    done({ values: body.values, errors: [] });
    return;
  }
  const finish = (decoded: unknown): void => {
    if (body.kind === 'values') {
      done({ values: single ? [decoded] : (decoded as unknown[]), errors: [] });
    } else {
      const [values, errors] = decoded as [unknown[], [number, unknown][]];
      done({ values, errors });
    }
  };
  let decoded: unknown;
  try {
    decoded = decode(body.bytes);
  } catch (error) {
    if (error instanceof NeedsImportError) {
      decodeAsync(body.bytes).then(finish, failed);
      return;
    }
    failed(error);
    return;
  }
  finish(decoded);
}
