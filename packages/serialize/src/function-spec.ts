/**
 * The wire form of a function, shared by the side that describes functions (`functions.ts`) and
 * the side that resolves them (`resolve.ts`, which a child loads without the other).
 */
import type { SourceForm } from './free-variables.js';

/** A function that travels by its source: the child compiles `source` once. */
export interface SourceSpec {
  kind: 'source';
  /** The function's text, as `Function.prototype.toString` prints it. */
  source: string;
  /** How the text is wrapped to be evaluated. */
  form: SourceForm;
  /** The function's name, for messages. */
  name: string;
}

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
      /**
       * For a self-contained function of a module that only a loader can read (a `.ts` file
       * under tsx): its source, used where the loader does not reach. Node 20's worker threads
       * do not get the `--import` loaders of their process.
       */
      fallback?: SourceSpec;
    }
  | SourceSpec
  | {
      /** A built-in reachable from `globalThis`. */
      kind: 'global';
      /** Its path from `globalThis` (`'Math.sqrt'`). */
      path: string;
    };
