// Python: "To show the individual process IDs involved, here is an expanded example".
//   run: pnpm --filter @multiproc/examples exec tsx process/info.ts
import { Process, currentProcess, isMainProcess } from 'multiproc';

export function info(title: string): void {
  console.log(title);
  // Python prints __name__: '__main__' in the main process, '__mp_main__' where a child
  // imported the main script to find its target.
  console.log('module name:', isMainProcess() ? '__main__' : '__mp_main__');
  console.log('parent process:', process.ppid);
  console.log('process id:', currentProcess().pid);
}

export function f(name: string): void {
  info('function f');
  console.log('hello', name);
}

if (isMainProcess()) {
  info('main line');
  const p = new Process({ target: f, args: ['bob'] });
  p.start();
  await p.join();
}
