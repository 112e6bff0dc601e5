#!/bin/bash
# `hypermesh devnet` picks ports that are free: every STOQ (udp) and API
# (tcp) port it assigns is bound before the configs name it and held until
# the nodes start.
#   - a port of the asked base held by another process: the devnet says so,
#     moves to another base and comes up; the configs avoid the held ports;
#   - a reused genesis whose port is held: exit 2, one line naming the port
#     and the node; a node started on a held API or STOQ port exits 2
#     naming it;
#   - two devnets started at once with the same base, twice: both come up,
#     on disjoint ports.
source "$(dirname "$0")/../lib/cli.bash"
command -v python3 >/dev/null || { echo "skipped: python3 is not installed" >&2; exit 77; }

base=$((20000 + RANDOM % 10000))
holder=
cleanup() {
  local rc=$?
  [[ -n $holder ]] && kill "$holder" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

hold() { # hold UDP_PORT TCP_PORT: binds both on 127.0.0.1 until release
  python3 -c '
import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", int(sys.argv[1])))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", int(sys.argv[2])))
t.listen(1)
print("held", flush=True)
time.sleep(600)' "$1" "$2" >"$tmp/hold.out" 2>&1 &
  holder=$!
  for _ in $(seq 100); do grep -q held "$tmp/hold.out" && return 0; sleep 0.05; done
  fail "could not hold ports $1/udp $2/tcp: $(cat "$tmp/hold.out")"
}
release() { kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null || true; holder=; }

ports_of() { # ports_of DIR: every listen port of its configs, one a line
  grep -h '^listen = ' "$1"/node*/node.ini | sed 's/.*://' | sort -n
}

# ---- the asked base is partly taken: moved, and said ----
hold $((base + 1)) $((base + 100))
expect 0 "$hm" devnet --nodes 2 --dir "$tmp/moved" --base-port "$base" --exit-when-ready
contains "$out" "of base $base is taken (Address already in use); using base"
contains "$out" "validators committing"
checks=$((checks + 1))
if ports_of "$tmp/moved" | grep -qx -e "$((base + 1))" -e "$((base + 100))"; then
  fail "the configs name a held port: $(ports_of "$tmp/moved" | tr '\n' ' ')"
fi

# ---- a node that cannot bind its API port says which and exits 2 ----
api0=$(grep -A1 '^\[api\]' "$tmp/moved/node0/node.ini" | sed -n 's/^listen = .*://p')
release
hold $((base + 50)) "$api0"
expect 2 "$hm" node run --config "$tmp/moved/node0/node.ini"
contains "$err" "hypermesh: node: API on 127.0.0.1:$api0: "
release
stoq0=$(grep -A1 '^\[stoq\]' "$tmp/moved/node0/node.ini" | sed -n 's/^listen = .*://p')
hold "$stoq0" $((base + 51))
expect 2 "$hm" node run --config "$tmp/moved/node0/node.ini"
contains "$err" "cannot listen on STOQ 127.0.0.1 port $stoq0"
release
hold $((base + 52)) "$api0"

# ---- a reused genesis keeps its ports: one held is an error naming it ----
expect 2 "$hm" devnet --dir "$tmp/moved" --exit-when-ready
expect_one_error_line
contains "$err" "port $api0/tcp (node0's API) is taken"
release
expect 0 "$hm" devnet --dir "$tmp/moved" --exit-when-ready
contains "$out" "reusing the genesis"

# ---- two devnets at once, same base: both up, ports disjoint ----
b2=$((base + 1000))
for round in 1 2; do
  "$hm" devnet --nodes 2 --dir "$tmp/a$round" --base-port "$b2" --exit-when-ready \
    >"$tmp/a$round.out" 2>&1 &
  pa=$!
  "$hm" devnet --nodes 2 --dir "$tmp/b$round" --base-port "$b2" --exit-when-ready \
    >"$tmp/b$round.out" 2>&1 &
  pb=$!
  for p in "$pa:a" "$pb:b"; do
    checks=$((checks + 1))
    wait "${p%%:*}" || fail "round $round: devnet ${p#*:} failed: $(tail -3 "$tmp/${p#*:}$round.out")"
  done
  checks=$((checks + 1))
  common=$(comm -12 <(ports_of "$tmp/a$round") <(ports_of "$tmp/b$round"))
  [[ -z $common ]] || fail "round $round: both devnets use port(s) $common"
done

finish
