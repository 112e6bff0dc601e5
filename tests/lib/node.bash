# Helpers for the shell tests that run real node processes on loopback.
# Source it after cli.bash. It sets:
#   dn      the devnet directory (under the test's $tmp);
#   base    a random port base, so parallel runs do not collide;
#   pids[]  the node processes, by node index; every one still running is
#           killed (-9) on exit, and $tmp removed, keeping the exit status.
# start I   starts node I from $dn/nodeI/node.ini, appending to its test.log.
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

start() { # start I
  "$hm" node run --config "$dn/node$1/node.ini" >>"$dn/node$1/test.log" 2>&1 &
  pids[$1]=$!
}
