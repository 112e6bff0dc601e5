#!/bin/bash
# kill -9 under load. A devnet issues certificates (loadgen, 12 connections
# over nodes 0-2) while node3 is SIGKILLed three times mid-stream and
# restarted each time: it dies wherever it is, between staging the consensus
# writes of a round and flushing them, in the middle of applying a block or
# appending to the CT log. Each restart must pass the store checks, and once
# the load stops node3 must serve the same CT tree head (size and root) as
# node1: the same certificates, in the same order, from its own replay of
# the committed chain (docs/CONSENSUS.md §7, docs/NODE.md §4 and §6).
source "$(dirname "$0")/../lib/cli.bash"

for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed" >&2; exit 77; }
done

dn="$tmp/dn"
base=$((20000 + RANDOM % 12000)) # below the ephemeral ports (32768+)
declare -a pids=()
lg=
cleanup() {
  local rc=$? p
  for p in "${pids[@]}" $lg; do [[ -n $p ]] && kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

start() { # start I
  "$hm" node run --config "$dn/node$1/node.ini" >>"$tmp/node$1.log" 2>&1 &
  pids[$1]=$!
}
api() { echo "http://127.0.0.1:$((base + 100 + $1))"; }
sth() { # sth I -> "size root" as node I reports it, or nothing
  curl -s -m 5 -H "Authorization: Bearer $(cat "$dn/trustchain/admin.apikey")" "$(api "$1")/v1/ct/sth" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["tree_size"], d["sha256_root_hash"])' 2>/dev/null
}

"$hm" devnet --nodes 4 --dir "$dn" --base-port "$base" --exit-when-ready >/dev/null 2>"$tmp/dn.err" ||
  { fail "devnet: $(cat "$tmp/dn.err")"; finish; exit; }
for i in 0 1 2 3; do start $i; done
for i in 0 1 2 3; do
  for _ in $(seq 100); do curl -sf "$(api $i)/v1/health" >/dev/null && break; sleep 0.2; done
done

"$hm" loadgen --url "$(api 0),$(api 1),$(api 2)" --key-file "$dn/trustchain/admin.apikey" \
  --csrs 2000 --concurrency 12 --duration 8 >"$tmp/lg.out" 2>"$tmp/lg.err" &
lg=$!
for k in 1 2 3; do
  sleep 1.5
  kill -9 "${pids[3]}"
  wait "${pids[3]}" 2>/dev/null || true
  start 3
done
wait "$lg"
lgrc=$?
lg=
checks=$((checks + 1))
[[ $lgrc -eq 0 ]] || fail "loadgen failed: $(cat "$tmp/lg.out" "$tmp/lg.err")"
issued=$(awk '$2 == "certificates" {print $1}' "$tmp/lg.out")
issued=${issued:-0}
checks=$((checks + 1))
[[ $issued -ge 1 ]] || fail "no certificate issued under load: $(cat "$tmp/lg.out" "$tmp/lg.err")"
[[ -s $tmp/lg.err ]] && echo "loadgen: $(cat "$tmp/lg.err")"

# node3 catches up to the same log.
want= got=
for _ in $(seq 120); do
  want=$(sth 1)
  got=$(sth 3)
  [[ -n $want && $want == "$got" && ${want%% *} -ge $issued ]] && break
  sleep 0.5
done
checks=$((checks + 1))
[[ -n $want && $want == "$got" ]] || fail "node3 serves another CT tree head after the crashes ('$got' vs node1 '$want')"
checks=$((checks + 1))
kill -0 "${pids[3]}" 2>/dev/null || fail "node3 did not stay up after its last restart: $(tail -3 "$tmp/node3.log")"
contains "$(cat "$tmp/node3.log")" "node started"
checks=$((checks + 1))
! grep -q "ERROR: AddressSanitizer\|runtime error:" "$tmp"/node*.log || fail "sanitizer report in a node log"
echo "issued $issued certificates under load; node3 and node1 at CT tree size ${got%% *}"
finish
