import '../_bullmq-lib/scaling.mjs';
