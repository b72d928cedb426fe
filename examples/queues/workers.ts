// Python: "An example showing how to use queues to feed tasks to a collection of worker
// processes and collect the results".
//   run: pnpm --filter @multiproc/examples exec tsx queues/workers.ts
//
// Python puts the functions themselves on the queue; here a task names its function (functions
// travel only as targets or tasks, not inside queue items), and the worker looks it up.
import { setTimeout as sleep } from 'node:timers/promises';
import { Process, Queue, currentProcess, isMainProcess } from 'multiproc';

type Task = [name: keyof typeof functions, args: [number, number]];

// Functions referenced by tasks
export async function mul(a: number, b: number): Promise<number> {
  await sleep(500 * Math.random());
  return a * b;
}

export async function plus(a: number, b: number): Promise<number> {
  await sleep(500 * Math.random());
  return a + b;
}

const functions = { mul, plus };

// Function used to calculate result
export async function calculate(name: Task[0], args: Task[1]): Promise<string> {
  const result = await functions[name](...args);
  return `${currentProcess().name} says that ${name}(${args.join(', ')}) = ${result}`;
}

// Function run by worker processes
export async function worker(input: Queue<Task | 'STOP'>, output: Queue<string>): Promise<void> {
  for (let task = await input.get(); task !== 'STOP'; task = await input.get()) {
    const [name, args] = task;
    await output.put(await calculate(name, args));
  }
}

if (isMainProcess()) {
  const NUMBER_OF_PROCESSES = 4;
  const TASKS1: Task[] = Array.from({ length: 20 }, (_, i) => ['mul', [i, 7]]);
  const TASKS2: Task[] = Array.from({ length: 10 }, (_, i) => ['plus', [i, 8]]);

  // Create queues
  const taskQueue = new Queue<Task | 'STOP'>();
  const doneQueue = new Queue<string>();

  // Submit tasks
  for (const task of TASKS1) await taskQueue.put(task);

  // Start worker processes
  const workers = Array.from(
    { length: NUMBER_OF_PROCESSES },
    () => new Process({ target: worker, args: [taskQueue, doneQueue] }),
  );
  for (const p of workers) p.start();

  // Get and print results
  console.log('Unordered results:');
  for (let i = 0; i < TASKS1.length; i++) console.log('\t', await doneQueue.get());

  // Add more tasks using `put()`
  for (const task of TASKS2) await taskQueue.put(task);

  // Get and print some more results
  for (let i = 0; i < TASKS2.length; i++) console.log('\t', await doneQueue.get());

  // Tell child processes to stop
  for (let i = 0; i < NUMBER_OF_PROCESSES; i++) await taskQueue.put('STOP');
  for (const p of workers) await p.join();
}
