// Python: "Demonstration of how to create and use customized managers and proxies": exposed
// methods, a generator served through a custom proxy type, and a module-like object.
// One difference by design: names starting with _ are never callable, even when listed.
//   run: pnpm --filter @multiproc/examples exec tsx managers/customize.ts
import { BaseManager, BaseProxy, isMainProcess, type AutoProxy } from 'multiproc';

export class FooClass {
  f(): void {
    console.log('you called Foo.f()');
  }
  g(): void {
    console.log('you called Foo.g()');
  }
  _h(): void {
    console.log('you called Foo._h()');
  }
}

// A generator function: the referent is the generator, living in the server.
export function* baz(): Generator<number> {
  for (let i = 0; i < 10; i++) yield i * i;
}

// The proxy type for generators: `for await` pulls values from the server one by one.
export class GeneratorProxy extends BaseProxy {
  static override exposed = ['next'];
  next(): Promise<IteratorResult<number>> {
    return this.callMethod('next') as Promise<IteratorResult<number>>;
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<number> {
    for (let r = await this.next(); !r.done; r = await this.next()) yield r.value;
  }
}

// JavaScript has no `operator` module: an object of functions plays its part.
export const operator = {
  add: (a: number, b: number) => a + b,
  mul: (a: number, b: number) => a * b,
  pow: (a: bigint, b: bigint) => a ** b,
};
export function getOperatorModule(): typeof operator {
  return operator;
}

export class MyManager extends BaseManager {
  declare Foo1: () => Promise<AutoProxy<FooClass>>;
  declare Foo2: () => Promise<AutoProxy<Pick<FooClass, 'g'>>>;
  declare baz: () => Promise<GeneratorProxy>;
  declare operator: () => Promise<AutoProxy<typeof operator>>;
}
MyManager.register('Foo1', { callable: FooClass });
MyManager.register('Foo2', { callable: FooClass, exposed: ['g'] });
MyManager.register('baz', { callable: baz, proxytype: GeneratorProxy });
MyManager.register('operator', { callable: getOperatorModule });

if (isMainProcess()) {
  await using manager = new MyManager();
  await manager.start();

  console.log('-'.repeat(20));
  const f1 = await manager.Foo1();
  await f1.f();
  await f1.g();
  console.log('f1 exposes', f1.exposed);

  console.log('-'.repeat(20));
  const f2 = await manager.Foo2();
  await f2.g();
  console.log('f2 exposes', f2.exposed);
  // The server refuses what was not exposed, whatever the client asks for.
  await f2.callMethod('f').catch((e: Error) => console.log(e.message));
  await f1.callMethod('_h').catch((e: Error) => console.log(e.message));

  console.log('-'.repeat(20));
  const it = await manager.baz();
  const squares: string[] = [];
  for await (const i of it) squares.push(`<${i}>`);
  console.log(squares.join(' '));

  console.log('-'.repeat(20));
  const op = await manager.operator();
  console.log('op.add(23, 45) =', await op.add(23, 45));
  console.log('op.pow(2n, 94n) =', await op.pow(2n, 94n));
  console.log('op.exposed =', op.exposed);
}
