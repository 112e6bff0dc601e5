#!/bin/bash
# `hypermesh stoq bench`: in one process (every mode, PQ on and off), and as
# two processes (--serve / --connect) moving a file byte for byte; bad
# arguments are usage errors (exit 1), failures exit 2 with one error line.
source "$(dirname "$0")/../lib/cli.bash"

pids=()
cleanup() {
  local rc=$? p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

# Usage errors change nothing and exit 1.
expect 1 "$hm" stoq bench --serve --connect 127.0.0.1
expect_one_error_line
expect 1 "$hm" stoq bench --mode sideways
expect_one_error_line
expect 1 "$hm" stoq bench --pq maybe
expect 1 "$hm" stoq bench --size 12x
expect 1 "$hm" stoq bench --connect 127.0.0.1
contains "$err" "--peer-id"
expect 1 "$hm" stoq bench --connect 127.0.0.1 --peer-id abcd
contains "$err" "hex bytes"
expect 1 "$hm" stoq bench --file /etc/hostname
expect 1 "$hm" stoq bench --serve --size 10
expect 1 "$hm" stoq bench --out "$tmp/x" --mode rpc
expect 1 "$hm" stoq bench extra
[[ -e $tmp/x ]] && fail "a refused command created its --out file"
expect 1 "$hm" stoq bench --max-udp-payload 1199
expect_one_error_line
contains "$err" "1200..65527"
expect 1 "$hm" stoq bench --max-udp-payload 65528
expect 1 "$hm" stoq bench --max-udp-payload 9k
expect 0 "$hm" stoq bench --help
contains "$out" "usage: hypermesh stoq bench"

# In one process: every mode; handshakes with and without the PQ step.
expect 0 "$hm" stoq bench --mode handshake --count 3
contains "$out" "handshake: 3 connections"
contains "$out" "pq on"
contains "$out" "pq off"
expect 0 "$hm" stoq bench --mode rpc --count 2
contains "$out" "rpc: 20 echo calls of 64 bytes"
expect 0 "$hm" stoq bench --mode bulk --size 3000000 --pq off
contains "$out" "bulk: 3000000 bytes"
contains "$out" "bulk_gbit_per_s:"
# Loopback: datagrams as large as lo allows (65507 bytes over IPv4 at lo's usual MTU of
# 65536), far over a network's 1452; or the size given.
size=$(printf '%s\n' "$out" | awk '/^max_udp_payload:/ {print $2}')
[[ -n $size ]] && ((size > 1452)) || fail "loopback bulk used ${size:-no} max_udp_payload, want > 1452"
expect 0 "$hm" stoq bench --mode bulk --size 3000000 --max-udp-payload 1452
contains "$out" "max_udp_payload: 1452"
# --size 0 means "the server's whole file"; a server without one sends nothing: exit 2.
expect 2 "$hm" stoq bench --mode bulk --size 0
expect_one_error_line
contains "$err" "sent nothing"

# Two processes: the client writes exactly the server's file.
head -c 5000011 /dev/urandom >"$tmp/data.bin"
"$hm" stoq bench --serve --file "$tmp/data.bin" >"$tmp/server.out" 2>"$tmp/server.err" &
pid=$!
pids+=("$pid")
for _ in $(seq 100); do grep -q '^port:' "$tmp/server.out" && break; sleep 0.05; done
port=$(awk '/^port:/ {print $2}' "$tmp/server.out")
id=$(awk '/^node_id:/ {print $2}' "$tmp/server.out")
[[ -n $port && -n $id ]] || fail "bench server did not start: $(cat "$tmp/server.err")"

expect 0 "$hm" stoq bench --connect 127.0.0.1 --port "$port" --peer-id "$id" --mode bulk --size 0 \
  --out "$tmp/got.bin"
contains "$out" "bulk: 5000011 bytes"
contains "$out" "two processes"
cmp -s "$tmp/data.bin" "$tmp/got.bin" || fail "the downloaded file differs from the served one"
# The first SIZE bytes only.
expect 0 "$hm" stoq bench --connect 127.0.0.1 --port "$port" --peer-id "$id" --mode bulk --size 1000 \
  --out "$tmp/head.bin"
cmp -s <(head -c 1000 "$tmp/data.bin") "$tmp/head.bin" || fail "--size 1000 did not give the first 1000 bytes"
# More than the file: the client gets the file and says it is short.
expect 2 "$hm" stoq bench --connect 127.0.0.1 --port "$port" --peer-id "$id" --mode bulk --size 9000000
expect_one_error_line
contains "$err" "ended after 5000011 of 9000000 bytes"
expect 0 "$hm" stoq bench --connect 127.0.0.1 --port "$port" --peer-id "$id" --mode rpc --count 1
contains "$out" "rpc: 10 echo calls"
# The wrong server id: refused, exit 2, one line.
wrong=$(printf '%064d' 0)
expect 2 "$hm" stoq bench --connect 127.0.0.1 --port "$port" --peer-id "$wrong" --mode rpc --count 1
expect_one_error_line
# A classical client cannot talk to a PQ server (no downgrade).
expect 2 "$hm" stoq bench --connect 127.0.0.1 --port "$port" --peer-id "$id" --mode rpc --count 1 --pq off
expect_one_error_line
# The server is still serving, then stops on SIGTERM with status 0.
expect 0 "$hm" stoq bench --connect 127.0.0.1 --port "$port" --peer-id "$id" --mode handshake --count 2
kill -TERM "$pid"
wait "$pid"
rc=$?
[[ $rc -eq 0 ]] || fail "bench server exited $rc on SIGTERM"

# A file that cannot be served: exit 2.
expect 2 "$hm" stoq bench --serve --file "$tmp/does-not-exist"
expect_one_error_line
: >"$tmp/empty"
expect 2 "$hm" stoq bench --serve --file "$tmp/empty"
expect_one_error_line

finish
