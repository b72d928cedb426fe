import { BaseManager, Manager, type AutoProxy } from '@multiproc/managers';
import { expectNoChildren, rejection } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const custom = require('./fixtures/custom.cjs') as typeof import('./fixtures/custom.cjs');

class StoreManager extends BaseManager {
  declare Store: (label: string) => Promise<AutoProxy<InstanceType<typeof custom.Store>>>;
  declare Counter: (start: number) => Promise<AutoProxy<{ next(): number }>>;
}
StoreManager.register('Store', { callable: custom.Store, methodToTypeid: { open: 'Box' } });
StoreManager.register('Box', { callable: custom.Box, createMethod: false });
StoreManager.register('Counter', { callable: custom.makeCounter });
StoreManager.register('Narrow', { callable: custom.Store, exposed: ['describe'] });

type BoxProxy = AutoProxy<InstanceType<typeof custom.Box>>;

describe('BaseManager.register', () => {
  let manager: StoreManager;
  beforeAll(async () => {
    manager = new StoreManager();
    await manager.start();
  });
  afterAll(async () => {
    await manager.shutdown();
    await expectNoChildren();
  });

  it('serves a class and a factory function, each with its public methods', async () => {
    const store = await manager.Store('main');
    expect(await store.describe()).toBe('store main');
    expect(await store.inherited()).toBe('from the base class');
    expect([...store.exposed]).toEqual(['describe', 'inherited', 'open', 'slow']);
    const counter = await manager.Counter(10);
    expect(await counter.next()).toBe(11);
    expect(await counter.next()).toBe(12);
  });

  it('methodToTypeid hands out nested proxies, which can live inside a dict proxy', async () => {
    const store = await manager.Store('nested');
    const box = (await store.open('a')) as unknown as BoxProxy;
    expect(box.typeid).toBe('Box');
    expect(await box.add('x')).toBe(1);
    // The same referent again: the store keeps its boxes.
    const again = (await store.open('a')) as unknown as BoxProxy;
    expect(await again.add('y')).toBe(2);
    await using sync = await Manager();
    const d = await sync.dict();
    await d.set('box', box);
    const fromDict = (await d.get('box')) as BoxProxy;
    expect(await fromDict.contents()).toEqual(['x', 'y']);
  });

  it('the server refuses private names, constructor, Object.prototype members and fields', async () => {
    const store = await manager.Store('guarded');
    for (const name of [
      '_private',
      'constructor',
      'toString',
      'hasOwnProperty',
      '__proto__',
      'valueOf',
      'secret',
      'label',
      '__defineGetter__',
    ]) {
      const error = await rejection(store.callMethod(name, []));
      expect(error.code).toBe('ERR_MP_NOT_EXPOSED');
      expect(error.message).toBe(
        `method '${name}' of typeid 'Store' is not exposed (exposed: describe, inherited, open, slow)`,
      );
    }
    const narrow = await manager.create('Narrow', 'n');
    expect(narrow.exposed).toEqual(['describe']);
    const refused = await rejection(narrow.callMethod('open', ['x']));
    expect(refused.message).toBe(
      `method 'open' of typeid 'Narrow' is not exposed (exposed: describe)`,
    );
  });

  it('refuses an unknown typeid, naming what the server serves', async () => {
    const error = await rejection(manager.create('Nope'));
    expect(error.code).toBe('ERR_MP_UNKNOWN_TYPEID');
    expect(error.message).toBe(
      "unknown typeid 'Nope': this manager serves 'Store', 'Box', 'Counter', 'Narrow'",
    );
  });

  it('refuses unsendable arguments before sending, naming their path', async () => {
    const store = await manager.Store('args');
    const error = await rejection(store.callMethod('describe', [{ handler: () => 1 }]));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(
      'args[0].handler is a function and cannot be sent: functions (here handler) travel only as targets or tasks, not inside arguments',
    );
    const atCreate = await rejection(manager.Store(Symbol('x') as unknown as string));
    expect(atCreate.message).toBe('args[0] is a symbol and cannot be sent');
  });

  it('a call past its { timeout } rejects with TimeoutError naming the method', async () => {
    const store = await manager.Store('slow');
    const error = await rejection(store.callMethod('slow', [2000], { timeout: 50 }));
    expect(error.name).toBe('TimeoutError');
    expect(error.message).toBe('Store.slow() did not finish within 50 ms');
    expect(await store.callMethod('slow', [1], { timeout: 5000 })).toBe(1);
  });
});

describe('a manager whose callable the server cannot load', () => {
  afterAll(expectNoChildren);

  it('start() rejects naming the callable, before any process starts', async () => {
    class Hidden {
      ping(): string {
        return 'pong';
      }
    }
    class M extends BaseManager {}
    M.register('Hidden', { callable: Hidden });
    const manager = new M();
    const error = await rejection(manager.start());
    expect(error.message).toBe(
      "register('Hidden').callable (function Hidden) is a class that its module does not export; export it so it can be sent by reference",
    );
    expect(manager.state).toBe('initial');
  });
});

describe('register() input', () => {
  class M extends BaseManager {}
  it('refuses names that can never be exposed, and malformed options', () => {
    expect(() => M.register('X', { callable: custom.Store, exposed: ['_private'] })).toThrow(
      `register('X'): options.exposed names "_private", which can never be called (names starting with _, constructor and Object.prototype members are private)`,
    );
    expect(() => M.register('X', { exposed: ['constructor'] })).toThrow(
      /names "constructor", which can never be called/,
    );
    expect(() => M.register('not an id', {})).toThrow(
      'typeid must be an identifier-like string, got "not an id"',
    );
    expect(() => M.register('X', { callable: 5 as never })).toThrow(
      "register('X'): options.callable must be a class or a function",
    );
  });
});
