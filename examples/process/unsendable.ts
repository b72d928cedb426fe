// The Processes page: a function that is neither exported nor self-contained cannot reach a
// child, and start() says why before anything starts.
//   run: pnpm --filter @multiproc/examples exec tsx process/unsendable.ts
import { Process, isMainProcess } from 'multiproc';

if (isMainProcess()) {
  const factor = 3;
  const scale = (x: number): number => x * factor; // not exported, and uses `factor`
  try {
    new Process({ target: scale, args: [2] }).start();
  } catch (error) {
    console.log(`${(error as Error).name}: ${(error as Error).message}`);
  }
}
