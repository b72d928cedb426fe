// multiproc: see ../_manager-lib/dict.mjs.
import { main } from '../_manager-lib/dict.mjs';

await main();
