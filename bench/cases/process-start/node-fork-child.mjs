// The script raw `child_process.fork` starts: nothing but the target itself.
import { markRunning } from './target.mjs';

markRunning(process.argv[2] ?? '');
