// The ES-module script for `node-fork.mjs esm`: it imports the very function multiproc's child
// runs, and calls it.
import { markRunning } from './target.mjs';

markRunning(process.argv[2] ?? '');
