#!/usr/bin/env bash
# Certificate issuance through the 4-validator devnet on loopback: a fresh
# genesis, four `hypermesh node run` processes, then `hypermesh loadgen`
# keeping C connections busy, spread over the four APIs, for S seconds.
# Prints issuances/s and the latency a client sees (request to committed
# answer) at p50/p99, and the nodes' own commit-latency histogram and
# transaction rate from /metrics. Usage: bench/issuance.sh [BUILD_DIR]
# Env: CONCURRENCY (default 64), SECONDS_LOAD (default 20), NODES (4),
# PHASES (default "certs raw": which loads to run, in order), RATE (offered
# requests/s: open loop, latency counted from when each request was due;
# default closed loop), SYNCS=1 (count node0's fdatasync/fsync calls with
# strace during each phase: syncs per block; strace slows node0 a little),
# LOADGEN (the hypermesh binary whose loadgen to use; default the build's).
set -euo pipefail
build=${1:-build}
hm="$build/bin/hypermesh"
lg=${LOADGEN:-$hm} # the load generator's binary (A/B: the same one for both sides)
conc=${CONCURRENCY:-64}
secs=${SECONDS_LOAD:-20}
n=${NODES:-4}
phases=${PHASES:-certs raw}
rate=${RATE:-}
rate_args=()
[[ -n $rate ]] && rate_args=(--rate "$rate")
dir=$(mktemp -d)
base=$((20000 + RANDOM % 20000))
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait; rm -rf "$dir"' EXIT

"$hm" devnet --nodes "$n" --dir "$dir/dn" --base-port "$base" --exit-when-ready >/dev/null
for ((i = 0; i < n; i++)); do
  "$hm" node run --config "$dir/dn/node$i/node.ini" 2>>"$dir/node$i.log" &
  pids+=($!)
done
urls=()
for ((i = 0; i < n; i++)); do
  u="http://127.0.0.1:$((base + 100 + i))"
  for _ in $(seq 100); do curl -sf "$u/v1/health" >/dev/null && break; sleep 0.2; done
  urls+=("$u")
done
metric() { curl -s "${urls[0]}/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# Warm up: restarted from the devnet's data directories, the replicas sit in
# the view they stopped in, whose leader already proposed, until a view
# timeout (1 s) moves them on; requests sent before that wait for it, which
# is a restart cost, not the steady state measured here. Wait until node0
# has committed a few blocks.
h0=$(metric hypermesh_height)
for _ in $(seq 100); do
  h=$(metric hypermesh_height)
  [[ -n $h && -n $h0 && ${h%.*} -ge $((${h0%.*} + 3)) ]] && break
  sleep 0.1
done
# CPU seconds (user + system) the node processes have used: the cost per
# certificate, which other load on the machine does not inflate as it does
# the rate.
cpu() {
  local t=0 p
  for p in "${pids[@]}"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t $(getconf CLK_TCK)" | awk '{printf "%.3f", $1 / $2}'
}
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1 /proc/loadavg)"
echo "devnet: $n validators, loadgen concurrency $conc${rate:+, open loop at $rate/s} for ${secs}s over ${#urls[@]} APIs"

# The same without the nodes' thread-pool threads, where the only work is the
# PoTime anchor's VDF evaluation (about 0.5 s of a core per node every
# anchor_window/2 blocks): whether a phase of a few seconds contains one such
# evaluation per node or none moved the total by +-0.5 ms per certificate.
# Main thread plus libmicrohttpd's (named MHD-*); libuv's workers excluded.
cpu_loop() {
  local t=0 p task
  for p in "${pids[@]}"; do
    for task in /proc/"$p"/task/*; do
      [[ ${task##*/} == "$p" || $(cat "$task/comm") == MHD* ]] || continue
      t=$((t + $(awk '{print $14 + $15}' "$task/stat")))
    done
  done
  echo "$t $(getconf CLK_TCK)" | awk '{printf "%.3f", $1 / $2}'
}

# phase NAME LOADGEN-ARGS...: runs loadgen and prints node0's view of the same interval.
phase() {
  local name=$1; shift
  local tx0 b0 s0 c0 t0 tx1 b1 s1 c1 t1 u0 u1 l0 l1
  u0=$(cpu); l0=$(cpu_loop)
  tx0=$(metric hypermesh_transactions_total); b0=$(metric hypermesh_blocks_total)
  s0=$(metric hypermesh_commit_latency_seconds_sum); c0=$(metric hypermesh_commit_latency_seconds_count)
  t0=$(date +%s.%N)
  echo "== $name"
  local st=""
  if [[ ${SYNCS:-0} == 1 ]]; then
    strace -f -c -e trace=fdatasync,fsync -o "$dir/strace.out" -p "${pids[0]}" 2>/dev/null &
    st=$!
    sleep 0.5
  fi
  "$lg" loadgen --url "$(IFS=,; echo "${urls[*]}")" --key-file "$dir/dn/trustchain/admin.apikey" \
    --concurrency "$conc" --duration "$secs" "${rate_args[@]}" "$@"
  sleep 2 # let the last blocks commit
  t1=$(date +%s.%N)
  tx1=$(metric hypermesh_transactions_total); b1=$(metric hypermesh_blocks_total)
  s1=$(metric hypermesh_commit_latency_seconds_sum); c1=$(metric hypermesh_commit_latency_seconds_count)
  u1=$(cpu); l1=$(cpu_loop)
  if [[ -n $st ]]; then
    kill -INT "$st"; wait "$st" || true
    awk -v b="$(( ${b1%.*} - ${b0%.*} ))" '$NF == "fdatasync" || $NF == "fsync" {n += $4}
      END {printf "node0 syncs: %d fdatasync/fsync calls, %.2f per block\n", n, n / (b > 0 ? b : 1)}' "$dir/strace.out"
  fi
  python3 - "$t0" "$t1" "$tx0" "$tx1" "$b0" "$b1" "$s0" "$s1" "$c0" "$c1" "$u0" "$u1" "$l0" "$l1" <<'PY'
import sys
t0, t1, tx0, tx1, b0, b1, s0, s1, c0, c1, u0, u1, l0, l1 = map(float, sys.argv[1:])
dt = t1 - t0
print(f"node0: {(tx1-tx0)/dt:.1f} committed tx/s, {(b1-b0)/dt:.1f} blocks/s, "
      f"{(tx1-tx0)/max(b1-b0,1):.1f} tx/block, mean block commit latency "
      f"{1000*(s1-s0)/max(c1-c0,1):.0f} ms")
print(f"cluster CPU: {1000*(u1-u0)/max(tx1-tx0,1):.2f} ms per committed tx "
      f"({(u1-u0)/dt:.2f} cores busy)")
print(f"cluster CPU without anchor VDFs (thread pool): {1000*(l1-l0)/max(tx1-tx0,1):.2f} ms "
      f"per committed tx")
PY
}
for p in $phases; do
  case $p in
  certs) phase "certificate issuance (request answered at commit)" --csrs 4000 ;;
  raw) phase "small transactions (32 bytes, ordered only)" --raw 32 ;;
  *) echo "issuance.sh: unknown phase '$p' (certs, raw)" >&2; exit 1 ;;
  esac
done
