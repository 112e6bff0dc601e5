#!/bin/bash
# Four real validator processes on loopback (docs/NODE.md):
#   - `hypermesh devnet --exit-when-ready` makes the genesis and sees commits;
#   - the nodes, restarted from that data, commit again; submitted
#     transactions get the same (height, index) on every node;
#   - kill -9 of one node (f = 1): the other three keep committing; restarted,
#     it catches up to the same committed hash;
#   - SIGTERM drains and exits 0;
#   - a node whose block store was altered or truncated refuses to start
#     with a clear error; bad configs are usage errors naming FILE:LINE.
source "$(dirname "$0")/../lib/cli.bash"
source "$(dirname "$0")/../lib/node.bash"

height() { # height I -> committed height, or -1
  local s
  s=$("$hm" node status --config "$dn/node$1/node.ini" 2>/dev/null) || { echo -1; return; }
  s=${s#*\"height\":}
  echo "${s%%,*}"
}
wait_height() { # wait_height I MIN SECONDS
  local deadline=$((SECONDS + $3)) h
  while ((SECONDS < deadline)); do
    h=$(height "$1")
    ((h >= $2)) && return 0
    sleep 0.2
  done
  fail "node$1 did not reach height $2 in $3 s (at $h)"
  return 1
}
block_hash() { # block_hash I HEIGHT
  local s
  s=$("$hm" node block --config "$dn/node$1/node.ini" --height "$2" 2>/dev/null) || return 1
  s=${s#*\"hash\":\"}
  echo "${s%%\"*}"
}
receipt_at() { # receipt_at I TXID -> "height index", waiting up to 10 s
  local deadline=$((SECONDS + 10)) s h
  while ((SECONDS < deadline)); do
    if s=$("$hm" node receipt --config "$dn/node$1/node.ini" --id "$2" 2>/dev/null); then
      h=${s#*\"height\":}
      s=${s#*\"index\":}
      echo "${h%%,*} ${s%%,*}"
      return 0
    fi
    sleep 0.2
  done
  echo none
}

# 1. The devnet command end to end.
expect 0 "$hm" devnet --nodes 4 --dir "$dn" --base-port "$base" --exit-when-ready
contains "$out" "4 validators committing"
contains "$out" "devnet: stopped"
[[ -f $dn/node3/node.key && -f $dn/node0/node.ini ]] || fail "devnet layout incomplete"

# 2. Restart all four from disk; they resume and commit.
for i in 0 1 2 3; do start $i; done
h0=$(height 0)
wait_height 0 $((h0 > 0 ? h0 + 3 : 3)) 20 || { finish; exit 1; }

# Transactions to different nodes land in one order everywhere.
declare -a ids=()
for k in 0 1 2 3 4 5; do
  expect 0 "$hm" node submit --config "$dn/node$((k % 4))/node.ini" --data "op-$k-$RANDOM"
  ids[$k]=$out
done
expect 0 "$hm" node submit --config "$dn/node1/node.ini" --data "corrupt-me-marker-$base"
marker=$out
for k in 0 1 2 3 4 5; do
  want=$(receipt_at 0 "${ids[$k]}")
  [[ $want != none ]] || fail "op $k not committed on node0"
  for i in 1 2 3; do
    got=$(receipt_at $i "${ids[$k]}")
    [[ $got == "$want" ]] || fail "op $k: node$i has '$got', node0 '$want'"
  done
done
[[ $(receipt_at 2 "$marker") != none ]] || fail "marker not committed"
# Resubmitting is idempotent: the same id.
expect 0 "$hm" node submit --config "$dn/node2/node.ini" --data "corrupt-me-marker-$base"
[[ $out == "$marker" ]] || fail "resubmission gave another id"

# 3. kill -9 one node: three of four still commit.
kill -9 "${pids[3]}"; wait "${pids[3]}" 2>/dev/null || true; pids[3]=
h=$(height 0)
wait_height 0 $((h + 5)) 20
expect 0 "$hm" node submit --config "$dn/node1/node.ini" --data "while-node3-down-$RANDOM"
down=$out
[[ $(receipt_at 0 "$down") != none ]] || fail "op not committed with node3 down"

# Restarted, it catches up: the same hash at the height node0 had.
start 3
target=$(height 0)
wait_height 3 "$target" 30
a=$(block_hash 0 "$target"); b=$(block_hash 3 "$target")
[[ -n $a && $a == "$b" ]] || fail "node3 at height $target has hash '$b', node0 '$a'"
[[ $(receipt_at 3 "$down") == "$(receipt_at 0 "$down")" ]] || fail "node3 disagrees on a receipt"
checks=$((checks + 3))

# 4. SIGTERM drains and exits 0.
for i in 1 2; do
  kill -TERM "${pids[$i]}"
  rc=0; wait "${pids[$i]}" || rc=$?
  pids[$i]=
  checks=$((checks + 1))
  [[ $rc -eq 0 ]] || fail "node$i exited $rc on SIGTERM"
done
for i in 0 3; do kill -TERM "${pids[$i]}"; wait "${pids[$i]}" || true; pids[$i]=; done

# 5. An altered committed block: the marker's bytes changed in place.
db="$dn/node2/data/consensus/data.mdb"
offsets=$(grep -obUa "corrupt-me-marker-$base" "$db" | cut -d: -f1)
[[ -n $offsets ]] || fail "marker not found in node2's block store"
for off in $offsets; do
  printf 'X' | dd of="$db" bs=1 seek="$off" conv=notrunc status=none
done
expect 2 timeout 20 "$hm" node run --config "$dn/node2/node.ini"
expect_one_error_line
contains "$err" "consensus store corrupt"

# A truncated block store.
db="$dn/node1/data/consensus/data.mdb"
truncate -s $(($(stat -c %s "$db") / 2)) "$db"
expect 2 timeout 20 "$hm" node run --config "$dn/node1/node.ini"
expect_one_error_line
contains "$err" "truncated"

# 6. Config errors are usage errors that name the line.
printf '[node]\nname = x\nbogus = 1\n' >"$tmp/bad.ini"
expect 1 "$hm" node run --config "$tmp/bad.ini"
expect_one_error_line
contains "$err" "bad.ini:3: unknown key 'bogus' in [node]"
expect 1 "$hm" node run
expect_one_error_line
expect 2 "$hm" node status --config "$dn/node0/node.ini" # nobody listens
expect_one_error_line

finish
