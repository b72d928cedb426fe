#!/usr/bin/env bash
# Prepares `.devicerun/` at the repository root: a self-contained copy of what the pool-scaling
# and queue-throughput runners need (built packages in a flat node_modules, the peers, the
# runners, a compressed `node` binary), for a machine that has no Node and no network. Build
# first (`pnpm build`). Then, on that machine, from the repository root:
#   bash .devicerun/run.sh 16 160 3 <impls…>     (pool scaling)
#   bash .devicerun/queue.sh 5                     (queue throughput, 4 → 4 and the rest)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.devicerun"
rm -rf "$out" && mkdir -p "$out/node_modules/@multiproc" "$out/bench/cases"
for p in serialize process native shared-memory connection pool synchronize sharedctypes queues managers; do
  mkdir -p "$out/node_modules/@multiproc/$p"
  for f in package.json dist bootstrap prebuilds; do
    [ -e "$root/packages/$p/$f" ] && cp -rL "$root/packages/$p/$f" "$out/node_modules/@multiproc/$p/"
  done
done
mkdir -p "$out/node_modules/multiproc"
cp -rL "$root/packages/multiproc/package.json" "$root/packages/multiproc/dist" "$out/node_modules/multiproc/"
cp -rL "$(readlink -f "$root/packages/native/node_modules/node-gyp-build")" "$out/node_modules/node-gyp-build"
cp -rL "$(readlink -f "$root/packages/serialize/node_modules/acorn")" "$out/node_modules/acorn"
# proper-lockfile and the packages beside it in pnpm's store (its own dependencies).
lockfile="$(readlink -f "$root/packages/synchronize/node_modules/proper-lockfile")"
for dep in "$(dirname "$lockfile")"/*; do cp -rL "$dep" "$out/node_modules/"; done
for p in piscina tinypool workerpool; do cp -rL "$(readlink -f "$root/bench/node_modules/$p")" "$out/node_modules/$p"; done
cp -rL "$root/bench/lib" "$out/bench/"
cp -rL "$root/bench/cases/_pool-lib" "$root/bench/cases/pool-scaling" "$out/bench/cases/"
cp -rL "$root/bench/cases/queue-throughput" "$out/bench/cases/"
cp "$root/bench/device/run.sh" "$out/run.sh"
cp "$root/bench/device/queue.sh" "$out/queue.sh"
find "$out" -name '*.map' -delete
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node20.xz"
du -sh "$out"
