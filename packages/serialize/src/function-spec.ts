/**
 * The wire form of a function, shared by the side that describes functions (`functions.ts`) and
 * the side that resolves them (`resolve.ts`, which a child loads without the other).
 */
import type { SourceForm } from './free-variables.js';

/** How a function travels. One member per way, discriminated on `kind`. */
export type FunctionSpec =
  | {
      kind: 'ref';
      module: string;
      name: string;
      /** the export name was inferred, not verified */ guessed?: boolean;
    }
  | { kind: 'source'; source: string; form: SourceForm; name: string }
  | { kind: 'global'; path: string };
