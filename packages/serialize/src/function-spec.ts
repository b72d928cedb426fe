/**
 * The wire form of a function, shared by the side that describes functions (`functions.ts`) and
 * the side that resolves them (`resolve.ts`, which a child loads without the other).
 */
import type { SourceForm } from './free-variables.js';

/** How a function travels. One member per way, discriminated on `kind`. */
export type FunctionSpec =
  | {
      /** By reference: the child imports `module` and takes its export `name`. */
      kind: 'ref';
      /** The module's URL or path. */
      module: string;
      /** The export's name. */
      name: string;
      /** the export name was inferred, not verified */ guessed?: boolean;
    }
  | {
      /** By source: the child compiles `source` once. */
      kind: 'source';
      /** The function's text, as `Function.prototype.toString` prints it. */
      source: string;
      /** How the text is wrapped to be evaluated. */
      form: SourceForm;
      /** The function's name, for messages. */
      name: string;
    }
  | {
      /** A built-in reachable from `globalThis`. */
      kind: 'global';
      /** Its path from `globalThis` (`'Math.sqrt'`). */
      path: string;
    };
