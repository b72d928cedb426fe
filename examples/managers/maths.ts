// Python: "Customized managers": a manager serving a MathsClass of our own.
//   run: pnpm --filter @multiproc/examples exec tsx managers/maths.ts
import { BaseManager, isMainProcess, type AutoProxy } from 'multiproc';

// Exported: the manager's server process imports this module to build MathsClass there.
export class MathsClass {
  add(x: number, y: number): number {
    return x + y;
  }
  mul(x: number, y: number): number {
    return x * y;
  }
}

export class MyManager extends BaseManager {
  declare Maths: () => Promise<AutoProxy<MathsClass>>;
}
MyManager.register('Maths', { callable: MathsClass });

if (isMainProcess()) {
  await using manager = new MyManager();
  await manager.start();
  const maths = await manager.Maths();
  console.log(await maths.add(4, 3)); // prints 7
  console.log(await maths.mul(7, 8)); // prints 56
}
