// The Processes page: a Process subclass that overrides run(). It is exported, because the child
// rebuilds the object by importing this module; its own fields set before start() come along.
//   run: pnpm --filter @multiproc/examples exec tsx process/subclass.ts
import { Process, currentProcess, isMainProcess } from 'multiproc';

export class Greeter extends Process {
  greeting = '';
  override async run(): Promise<void> {
    await Promise.resolve(); // run() may be async: the child waits for it
    console.log(`${this.greeting} from ${currentProcess().name}`);
  }
}

if (isMainProcess()) {
  const g = new Greeter({ name: 'greeter' });
  g.greeting = 'hello';
  g.start();
  await g.join();
  console.log('exit code', g.exitcode);
}
