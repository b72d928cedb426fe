// The baseline's child: the target's work (target.mjs) and nothing else, in CommonJS, the
// cheapest module format to start (about 5 ms less than an ES module on the project's VM).
require('node:fs').writeFileSync(process.argv[2], String(process.hrtime.bigint()));
