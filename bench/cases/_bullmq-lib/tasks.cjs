// The CPU task of the bullmq cases, timed where it runs: how much of a core it got shows whether
// a missing speedup comes from the pool or from a machine whose cores are busy with other work.
const { burn } = require('../_pool-lib/tasks.cjs');

/** `burn(iterations)`, returning the CPU time and the wall time it took, in ms. */
function burnTimed(iterations) {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  burn(iterations);
  const cpu = process.cpuUsage(cpu0);
  return [(cpu.user + cpu.system) / 1000, performance.now() - wall0];
}

module.exports = { burnTimed };
