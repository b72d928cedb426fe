// Entry point of every multiproc child process and thread-context worker. It loads only the
// small child bundle; user modules that import this package share its state (`sharedState`).
require('../dist/child-entry.cjs').runChild();
