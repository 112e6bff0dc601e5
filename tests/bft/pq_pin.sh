#!/bin/bash
# Validators' PQ keys are pinned from the genesis list (docs/CONSENSUS.md §2a):
# on a real 4-node devnet, a validator that authenticates to STOQ with a PQ
# key other than the one validators.pq names for it is refused by its peers,
# and a node whose own key file disagrees with the list does not start.
source "$(dirname "$0")/../lib/cli.bash"

dn="$tmp/devnet"
base=$((20000 + RANDOM % 12000)) # below the ephemeral ports (32768+)
pid=
cleanup() {
  local rc=$?
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

# The genesis (a first run until every node commits).
expect 0 "$hm" devnet --nodes 4 --dir "$dn" --base-port "$base" --exit-when-ready
[[ -s "$dn/validators.pq" && -s "$dn/node0/node.pq.key" ]] || fail "no PQ keys in the genesis"
contains "$(cat "$dn/node0/node.ini")" "pq_validators = ../validators.pq"

# Node 3 claims node 2's PQ key: its own check refuses to start it.
sed -i 's|^pq_key_file = .*|pq_key_file = ../node2/node.pq.key|' "$dn/node3/node.ini"
expect 2 "$hm" node run --config "$dn/node3/node.ini"
contains "$err" "is not validator 3's"

# Without the list it starts, and presents that key: the others refuse it.
sed -i '/^pq_validators = /d' "$dn/node3/node.ini"
"$hm" devnet --dir "$dn" >"$tmp/dn.out" 2>"$tmp/dn.err" &
pid=$!
refused=0
for _ in $(seq 300); do
  if grep -q "PQ key other than its genesis key.*validator=3" "$dn"/node[012]/node.log 2>/dev/null; then
    refused=1
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
checks=$((checks + 1))
((refused)) || fail "no peer refused node 3's PQ key: $(tail -3 "$dn/node0/node.log")"
checks=$((checks + 1))
grep -q "PQ key other than its genesis key.*validator=[012]" "$dn"/node*/node.log &&
  fail "an honest validator's key was refused"
kill -INT "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
finish
