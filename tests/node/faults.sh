#!/bin/bash
# Faults in a running devnet. (1) A node whose storage fails (its file-size
# limit lowered under it with prlimit, so LMDB's next write gets EFBIG, as on
# a full disk or an exhausted quota) stops consensus with a fatal error: it
# logs why and exits 2 on its own instead of idling until a signal. (2) The
# devnet reports that node and keeps the other three, which still commit (3 of
# 4 is a quorum). (3) A second node killed by SIGKILL is reported with its
# signal. (4) On SIGINT the devnet stops the rest and exits 2, since nodes had
# exited. Skipped without prlimit.
source "$(dirname "$0")/../lib/cli.bash"

command -v prlimit >/dev/null || { echo "prlimit (util-linux) is not installed" >&2; exit 77; }

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

node_pid() { pgrep -f -- "--config $dn/node$1/node.ini"; }
height() { "$hm" node status --config "$dn/node$1/node.ini" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p'; }

# SIGXFSZ ignored (inherited by the nodes): a write past the limit fails with
# EFBIG instead of killing the process, as a full disk would fail it.
trap '' XFSZ
"$hm" devnet --nodes 4 --dir "$dn" --base-port "$base" >"$tmp/dn.out" 2>"$tmp/dn.err" &
pid=$!
trap - XFSZ
up=0
for _ in $(seq 600); do
  grep -q "validators committing" "$tmp/dn.out" && { up=1; break; }
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
checks=$((checks + 1))
((up)) || { fail "devnet did not come up: $(cat "$tmp/dn.err")"; finish; exit; }

# (1) node1's storage fails: every file write past 4 KiB is refused.
p1=$(node_pid 1)
checks=$((checks + 1))
[[ -n $p1 ]] || fail "no node1 process"
prlimit --pid "$p1" --fsize=4096
gone=0
for _ in $(seq 300); do
  kill -0 "$p1" 2>/dev/null || { gone=1; break; }
  sleep 0.1
done
checks=$((checks + 1))
((gone)) || fail "node1 did not exit after its storage failed"
log1=$(cat "$dn/node1/node.log")
contains "$log1" "fatal; stopping"
contains "$log1" "stopped after a fatal error"
# (2) reported with its status; the others go on.
for _ in $(seq 50); do grep -q "node1 exited" "$tmp/dn.err" && break; sleep 0.1; done
contains "$(cat "$tmp/dn.err")" "node1 exited with status 2; see $dn/node1/node.log"
checks=$((checks + 1))
kill -0 "$pid" 2>/dev/null || fail "the devnet stopped when one node exited"
checks=$((checks + 1))
[[ $(pgrep -c -f -- "--config $dn/") -eq 3 ]] || fail "expected the other 3 nodes running"
h0=$(height 0)
grew=0
for _ in $(seq 100); do
  h=$(height 0)
  [[ -n $h0 && -n $h && $h -gt $((h0 + 2)) ]] && { grew=1; break; }
  sleep 0.1
done
checks=$((checks + 1))
((grew)) || fail "the remaining 3 nodes did not commit (height ${h0:-?} -> ${h:-?})"

# (3) node3 killed outright.
kill -KILL "$(node_pid 3)"
for _ in $(seq 50); do grep -q "node3 was killed" "$tmp/dn.err" && break; sleep 0.1; done
contains "$(cat "$tmp/dn.err")" "node3 was killed by signal 9"
checks=$((checks + 1))
kill -0 "$pid" 2>/dev/null || fail "the devnet stopped when a second node exited"

# (4) Ctrl-C: the rest stop; the status says nodes had exited.
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=
checks=$((checks + 1))
[[ $rc -eq 2 ]] || fail "devnet exited $rc on SIGINT after node exits, want 2"
contains "$(cat "$tmp/dn.out")" "2 of 4 nodes had exited on their own"
checks=$((checks + 1))
pgrep -f -- "--config $dn/" >/dev/null && fail "nodes left running after the devnet stopped"

finish
