// Builds the addon with AddressSanitizer (and UBSan) in a scratch folder and runs a workload that
// exercises every native function — segments, memfds, flock, futex waits (sync, async, timed,
// woken, cancelled by worker teardown), sockets — under it. Fails on any sanitizer report.
// Leak checking is off: Node itself keeps allocations alive until exit by design.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeGypScript, nodeGypEnv } = require('./node-gyp.cjs');

const root = path.join(__dirname, '..');
if (process.platform !== 'linux') {
  console.log('sanitize: skipped (the ASan run is set up for Linux only)');
  process.exit(0);
}
const libasan = spawnSync('gcc', ['-print-file-name=libasan.so'], {
  encoding: 'utf8',
}).stdout.trim();
if (!libasan || !fs.existsSync(libasan)) {
  console.error('sanitize: libasan not found (install gcc with AddressSanitizer support)');
  process.exit(1);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-asan-'));
try {
  fs.cpSync(path.join(root, 'csrc'), path.join(work, 'csrc'), { recursive: true });
  fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(work, 'binding.gyp'));
  const build = spawnSync(
    process.execPath,
    [nodeGypScript(), 'rebuild', '--sanitize=address,undefined'],
    {
      cwd: work,
      env: nodeGypEnv(),
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) {
    console.error(build.stdout, build.stderr);
    console.error('sanitize: the ASan build failed');
    process.exit(1);
  }
  const addon = path.join(work, 'build', 'Release', 'multiproc_native.node');
  const linked = spawnSync('ldd', [addon], { encoding: 'utf8' }).stdout;
  if (!/libasan/.test(linked)) {
    console.error('sanitize: the build is not instrumented (libasan is not linked)');
    process.exit(1);
  }
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', path.join(__dirname, 'sanitize-workload.cjs')],
    {
      cwd: root,
      env: {
        ...process.env,
        LD_PRELOAD: libasan,
        ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:verify_asan_link_order=0',
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
        MULTIPROC_NATIVE_ADDON: addon,
      },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  const report = /AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:/.test(run.stderr);
  if (run.status !== 0 || report) {
    console.error(
      `sanitize: FAILED (exit ${run.status}, signal ${run.signal}${report ? ', sanitizer report above' : ''})`,
    );
    process.exit(1);
  }
  console.log('sanitize: the addon ran under AddressSanitizer + UBSan with no errors');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
