#!/usr/bin/env bash
# Runs the queue-throughput case on this machine: multiproc (async get, getSync) and CPython's
# Queue, interleaved round-robin, one JSON line per run into $OUT/queue.jsonl. The 4 → 4 figure
# is the one a 2-core machine cannot show: its 8 busy processes need as many cores.
set -u
cd "$(dirname "$0")"
mkdir -p /tmp/nodebin && xz -dc node20.xz > /tmp/nodebin/node && chmod +x /tmp/nodebin/node
export PATH=/tmp/nodebin:$PATH PYTHONPATH=$PWD/bench/lib
echo "node $(node -v), python $(python3 -V 2>&1), $(nproc) nproc"
RUNS=${1:-5}
for r in $(seq 1 "$RUNS"); do
  for impl in get getSync cpython; do
    start=$SECONDS
    if [ "$impl" = cpython ]; then line=$(timeout 120 python3 bench/cases/queue-throughput/python.py 2>/tmp/err.txt)
    else line=$(timeout 120 node bench/cases/queue-throughput/multiproc.mjs "$impl" 2>/tmp/err.txt); fi
    echo "{\"run\":$r,\"impl\":\"$impl\",\"result\":${line:-null}}" | tee -a "$OUT/queue.jsonl"
    [ -s /tmp/err.txt ] && tail -3 /tmp/err.txt
    echo "  ($impl took $((SECONDS - start)) s)"
  done
done
