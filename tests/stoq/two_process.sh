#!/bin/bash
# STOQ between two processes on loopback: `hypermesh stoq serve` and `stoq ping`
# with mutual TLS and a pinned server id; refusals exit 2 with one error line.
source "$(dirname "$0")/../lib/cli.bash"

expect 0 "$hm" keygen --out "$tmp/server.key"
sid=$(printf '%s\n' "$out" | awk '/^node_id:/ {print $2}')
expect 0 "$hm" keygen --out "$tmp/client.key"
wrong=$(printf '%s\n' "$out" | awk '/^node_id:/ {print $2}')

pids=()
cleanup() {
  local rc=$? p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

# start_server NAME ARGS...: runs serve in the background, sets $port and $pid.
start_server() {
  local name=$1; shift
  "$hm" stoq serve --key "$tmp/server.key" --port 0 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  pids+=("$pid")
  port=
  for _ in $(seq 100); do
    port=$(awk '/^port:/ {print $2}' "$tmp/$name.out")
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  fail "server $name did not start: $(cat "$tmp/$name.err")"
  return 1
}

start_server v6 --bind ::1 || { finish; exit 1; }
v6pid=$pid
v6port=$port

expect 0 "$hm" stoq ping --key "$tmp/client.key" --bind ::1 --addr ::1 --port "$v6port" --peer-id "$sid"
contains "$out" "ok: 1 calls of 1024 bytes"
# Larger than every flow-control window: 3 MiB each way, twice.
expect 0 "$hm" stoq ping --key "$tmp/client.key" --bind ::1 --addr ::1 --port "$v6port" --peer-id "$sid" \
  --size 3145728 --count 2
contains "$out" "ok: 2 calls of 3145728 bytes"
expect 0 "$hm" stoq ping --key "$tmp/client.key" --bind ::1 --addr ::1 --port "$v6port" --peer-id "$sid" \
  --size 0 --count 20
contains "$out" "ok: 20 calls of 0 bytes"

# Pinned to another node: refused during the handshake.
expect 2 "$hm" stoq ping --key "$tmp/client.key" --bind ::1 --addr ::1 --port "$v6port" --peer-id "$wrong"
expect_one_error_line
contains "$err" "identity mismatch"
# The server keeps serving after the refusal.
expect 0 "$hm" stoq ping --key "$tmp/client.key" --bind ::1 --addr ::1 --port "$v6port" --peer-id "$sid"

# Usage errors.
expect 1 "$hm" stoq serve --key "$tmp/server.key" --addr ::1
expect_one_error_line
expect 1 "$hm" stoq ping --addr ::1 --peer-id "$sid"
expect_one_error_line
expect 1 "$hm" stoq ping --key "$tmp/client.key" --bind ::1 --addr ::1 --peer-id abcd
expect_one_error_line
expect 1 "$hm" stoq ping --key "$tmp/client.key" --bind ::1 --addr ::1 --peer-id "$sid" --size 1x
expect 1 "$hm" stoq bogus
expect 2 "$hm" stoq ping --key "$tmp/missing.key" --bind ::1 --addr ::1 --peer-id "$sid"
expect_one_error_line
expect 2 "$hm" stoq ping --key "$tmp/client.key" --bind ::1 --addr nowhere --peer-id "$sid"
expect_one_error_line
expect 0 "$hm" stoq --help
contains "$out" "stoq serve"

# An IPv4 server that exits by itself after one call.
start_server v4 --bind 127.0.0.1 --max-calls 1 || { finish; exit 1; }
v4pid=$pid
expect 0 "$hm" stoq ping --key "$tmp/client.key" --bind 127.0.0.1 --addr 127.0.0.1 --port "$port" --peer-id "$sid"
checks=$((checks + 1))
wait "$v4pid" || fail "the IPv4 server exited $?"
# The port is taken while the first server runs.
expect 2 "$hm" stoq serve --key "$tmp/server.key" --bind ::1 --port "$v6port"
expect_one_error_line

# SIGTERM stops the first server cleanly.
kill -TERM "$v6pid"
checks=$((checks + 1))
wait "$v6pid" || fail "the server exited $? on SIGTERM"
finish
