#!/bin/bash
# A full consensus store is a fatal error, not a refused message. node0 gets
# a 1 MiB consensus map ([node] consensus_map_mb = 1); 1 KiB transactions
# fill it within seconds. LMDB then answers MDB_MAP_FULL (HM_ERR_TOO_LARGE),
# which the replica passes on as the result of the message it was handling,
# the same code as an oversized message: before the store kept its own
# failure, the node logged "refused a consensus message" and ran on without
# voting. Now it must log the store failure and exit 2 by itself, while the
# other three validators (a quorum) keep committing.
source "$(dirname "$0")/../lib/cli.bash"

command -v curl >/dev/null || { echo "skipped: curl is not installed" >&2; exit 77; }

dn="$tmp/dn"
base=$((20000 + RANDOM % 12000)) # below the ephemeral ports (32768+)
declare -a pids=()
cleanup() {
  local rc=$? p
  for p in "${pids[@]}"; do [[ -n $p ]] && kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

"$hm" devnet --nodes 4 --dir "$dn" --base-port "$base" --exit-when-ready >/dev/null 2>"$tmp/dn.err" ||
  { fail "devnet: $(cat "$tmp/dn.err")"; finish; exit; }
printf '\n[node]\nconsensus_map_mb = 1\n' >>"$dn/node0/node.ini"
for i in 0 1 2 3; do
  "$hm" node run --config "$dn/node$i/node.ini" >>"$tmp/node$i.log" 2>&1 &
  pids[i]=$!
done
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((base + 101))/v1/health" >/dev/null && break; sleep 0.2; done

# Load through node1's API (node0 is about to stop) until node0 has exited.
"$hm" loadgen --url "http://127.0.0.1:$((base + 101)),http://127.0.0.1:$((base + 102))" \
  --key-file "$dn/trustchain/admin.apikey" --raw 1024 --concurrency 8 --duration 90 \
  >"$tmp/lg.out" 2>&1 &
lg=$!
gone=0
for _ in $(seq 600); do
  kill -0 "${pids[0]}" 2>/dev/null || { gone=1; break; }
  sleep 0.1
done
checks=$((checks + 1))
((gone)) || fail "node0 kept running with a full consensus store"
status=0
wait "${pids[0]}" || status=$?
pids[0]=
checks=$((checks + 1))
[[ $status -eq 2 ]] || fail "node0 exited with status $status, want 2"
log0=$(cat "$tmp/node0.log")
contains "$log0" 'what="consensus store"'
contains "$log0" 'input too large'

# The other three still commit.
height() { curl -s "http://127.0.0.1:$((base + 100 + $1))/metrics" | awk '$1 == "hypermesh_height" {print $2}'; }
h0=$(height 1)
grew=0
for _ in $(seq 300); do
  h=$(height 1)
  [[ -n $h0 && -n $h && ${h%.*} -gt $((${h0%.*} + 2)) ]] && { grew=1; break; }
  sleep 0.1
done
checks=$((checks + 1))
((grew)) || fail "the remaining 3 nodes did not commit (height ${h0:-?} -> ${h:-?}): $(tail -3 "$tmp/node1.log")"
kill "$lg" 2>/dev/null
wait "$lg" 2>/dev/null
finish
