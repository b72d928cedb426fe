// The task functions of the pool benchmarks: one CommonJS module that every pool under test loads
// in its workers (multiproc sends them by reference; the others take the file name).

/** The trivial task: `x * x`. */
function square(x) {
  return x * x;
}

/** A batch of trivial tasks, for pools fed one batch per task. */
function squareBatch(xs) {
  const out = new Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i] * xs[i];
  return out;
}

/** CPU work: `iterations` steps of a linear congruential generator (cannot be optimized away). */
function burn(iterations) {
  let x = 1;
  for (let i = 0; i < iterations; i++) x = (x * 1103515245 + 12345) % 2147483648;
  return x;
}

module.exports = { square, squareBatch, burn };
