// workerpool's worker script: it registers the task functions by name.
require('workerpool').worker(require('./tasks.cjs'));
