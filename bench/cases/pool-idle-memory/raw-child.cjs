// A bare `child_process.fork` worker: runs the pool tasks it is sent over Node's IPC channel.
// With `--empty`, it loads and runs nothing (the floor of any Node child process).
if (process.argv.includes('--empty')) {
  process.on('message', () => process.send('ok'));
} else {
  const tasks = require('../_pool-lib/tasks.cjs');
  process.on('message', ({ name, arg }) => process.send(tasks[name](arg)));
}
process.send('ready');
