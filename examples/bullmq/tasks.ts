// The tasks of bullmq/distributed.ts. The caller names them with `taskRef(module, name)`, and every
// `multiproc-worker` imports this module, so every machine must have it at the same path.
//   a worker (tsx compiles this file for it):
//   NODE_OPTIONS="--import tsx" npx multiproc-worker --redis redis://127.0.0.1:6379 --queue pages
import { reportProgress } from '@multiproc/bullmq';

export function square(x: number): number {
  return x * x;
}

export async function render(page: number): Promise<string> {
  await reportProgress({ page, stage: 'layout' }); // reaches the caller's onProgress
  return `page ${page}`;
}
