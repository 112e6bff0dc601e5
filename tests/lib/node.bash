# Helpers for the shell tests that run real node processes on loopback.
# Source it after cli.bash. It sets:
#   dn      the devnet directory (under the test's $tmp);
#   base    a random port base, so parallel runs do not collide;
#   pids[]  the node processes, by node index; every one still running is
#           killed (-9) on exit, and $tmp removed, keeping the exit status.
# start I   starts node I from $dn/nodeI/node.ini, appending to its test.log.
# api I     node I's API URL (the devnet's layout: base + 100 + I).
# wait_healthy I...  waits up to 30 s for each node's /v1/health; `fail`s for one that
#           never answers 200.
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

api() { echo "http://127.0.0.1:$((base + 100 + $1))"; }

wait_healthy() { # wait_healthy I...
  local i deadline
  for i in "$@"; do
    deadline=$((SECONDS + 30))
    until curl -sf -m 5 "$(api "$i")/v1/health" >/dev/null; do
      ((SECONDS < deadline)) || { fail "node$i API not healthy"; break; }
      sleep 0.3
    done
  done
}

start() { # start I
  "$hm" node run --config "$dn/node$1/node.ini" >>"$dn/node$1/test.log" 2>&1 &
  pids[$1]=$!
}
