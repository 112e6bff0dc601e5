#!/bin/bash
# `hypermesh devnet` as `make run` uses it: a background job of a
# non-interactive shell (which starts with SIGINT ignored) comes up, says
# where things are, and on SIGINT stops every node and exits 0. Then the
# same genesis is reused. Usage errors exit 1.
source "$(dirname "$0")/../lib/cli.bash"

dn="$tmp/devnet"
base=$((20000 + RANDOM % 12000)) # below the ephemeral ports (32768+)
pid=
cleanup() {
  local rc=$?
  # The nodes get SIGTERM from the kernel when the devnet dies (PR_SET_PDEATHSIG).
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

"$hm" devnet --nodes 4 --dir "$dn" --base-port "$base" >"$tmp/dn.out" 2>"$tmp/dn.err" &
pid=$!
up=0
# Genesis and the first commits take a minute or more under sanitizers on a busy machine.
for _ in $(seq 1800); do
  grep -q "validators committing" "$tmp/dn.out" && { up=1; break; }
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
checks=$((checks + 1))
((up)) || { fail "devnet did not come up: $(cat "$tmp/dn.err")"; finish; exit; }
contains "$(cat "$tmp/dn.out")" "node3  stoq 127.0.0.1:$((base + 3))"
contains "$(cat "$tmp/dn.out")" "quickstart:"
[[ $(pgrep -c -f -- "--config $dn/") -eq 4 ]] || fail "expected 4 node processes"
checks=$((checks + 1))

kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=
checks=$((checks + 1))
[[ $rc -eq 0 ]] || fail "devnet exited $rc on SIGINT: $(cat "$tmp/dn.err")"
contains "$(cat "$tmp/dn.out")" "devnet: stopped"
checks=$((checks + 1))
pgrep -f -- "--config $dn/" >/dev/null && fail "nodes left running after the devnet stopped"

# The genesis is reused; the chain goes on from where it stopped.
# The stored genesis decides the ports; another --base-port does not apply to it.
expect 0 "$hm" devnet --dir "$dn" --base-port $((base + 50)) --exit-when-ready
contains "$out" "reusing the genesis"
contains "$out" "node0  stoq 127.0.0.1:$base "

# SIGINT during genesis is kept until genesis is written, then no node starts.
"$hm" devnet --nodes 4 --dir "$tmp/early" --base-port $((base + 100)) >"$tmp/early.out" 2>"$tmp/early.err" &
pid=$!
for _ in $(seq 600); do grep -q "devnet: genesis:" "$tmp/early.out" && break; sleep 0.05; done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=
checks=$((checks + 1))
[[ $rc -eq 0 ]] || fail "devnet exited $rc on SIGINT during genesis: $(cat "$tmp/early.err")"
contains "$(cat "$tmp/early.out")" "devnet: stopped before starting the nodes"
checks=$((checks + 1))
pgrep -f -- "--config $tmp/early/" >/dev/null && fail "a node started after SIGINT during genesis"

expect 1 "$hm" devnet --nodes 0
expect_one_error_line
expect 1 "$hm" devnet --base-port 80
expect_one_error_line
expect 1 "$hm" devnet extra
expect_one_error_line

finish
