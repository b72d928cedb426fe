#!/usr/bin/env bash
# Runs the pool-scaling case on this machine: 1 worker vs N, several implementations interleaved
# round-robin, one JSON line per run into $OUT/scaling.jsonl.
set -u
cd "$(dirname "$0")"
mkdir -p /tmp/nodebin && xz -dc node20.xz > /tmp/nodebin/node && chmod +x /tmp/nodebin/node
export PATH=/tmp/nodebin:$PATH PYTHONPATH=$PWD/bench/lib
echo "node $(node -v), python $(python3 -V 2>&1), cpus $(node -e 'console.log(require("os").availableParallelism())'), $(nproc) nproc"
W=${1:-16}; T=${2:-160}; RUNS=${3:-3}; shift 3; IMPLS=${*:-multiproc multiproc-thread cpython piscina}
export BENCH_PARAMS="{\"workers\":$W,\"tasks\":$T,\"repeats\":5}"
for r in $(seq 1 "$RUNS"); do
  for impl in $IMPLS; do
    start=$SECONDS
    if [ "$impl" = cpython ]; then line=$(timeout 200 python3 bench/cases/pool-scaling/python.py 2>/tmp/err.txt)
    else line=$(timeout 200 node bench/cases/pool-scaling/node.mjs "$impl" 2>/tmp/err.txt); fi
    echo "{\"run\":$r,\"impl\":\"$impl\",\"result\":${line:-null}}" | tee -a "$OUT/scaling.jsonl"
    [ -s /tmp/err.txt ] && tail -3 /tmp/err.txt
    echo "  ($impl took $((SECONDS - start)) s)"
  done
done
