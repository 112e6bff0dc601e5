#!/bin/bash
# `stoq ping` reports RTT and the PQ state; --pq off is refused by a default
# server with a clear error and accepted by one started with --allow-classical;
# HOST[:PORT] targets; `stoq send`/`recv` move a file with a SHA-256 receipt;
# TrustChain options refuse what they must. Usage errors exit 1, runtime 2.
source "$(dirname "$0")/../lib/cli.bash"

expect 0 "$hm" keygen --out "$tmp/server.key"
sid=$(printf '%s\n' "$out" | awk '/^node_id:/ {print $2}')
expect 0 "$hm" keygen --out "$tmp/client.key"
other=$(printf '%s\n' "$out" | awk '/^node_id:/ {print $2}')

pids=()
cleanup() {
  local rc=$? p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

# start NAME CMD...: a server in the background; sets $port and $pid.
start() {
  local name=$1; shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  pids+=("$pid")
  port=
  for _ in $(seq 100); do
    port=$(awk '/^port:/ {print $2}' "$tmp/$name.out" 2>/dev/null)
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  fail "$name did not start: $(cat "$tmp/$name.err")"
  return 1
}
ping=("$hm" stoq ping --key "$tmp/client.key" --peer-id "$sid" --log-level warn)

start pq "$hm" stoq serve --key "$tmp/server.key" --bind ::1 --port 0 --log-level warn ||
  { finish; exit 1; }
pqport=$port
contains "$(cat "$tmp/pq.out")" "pq: on"
expect 0 "${ping[@]}" "[::1]:$pqport" --count 3
contains "$out" "ok: 3 calls of 1024 bytes"
contains "$out" "rtt: min "
contains "$out" "handshake: "
contains "$out" "pq: on"
expect 0 "${ping[@]}" "[::1]:$pqport" --pq on
contains "$out" "pq: on"
# A default server accepts only post-quantum peers.
expect 2 "${ping[@]}" "[::1]:$pqport" --pq off
expect_one_error_line
contains "$err" "refused a classical connection (--pq off)"

start mixed "$hm" stoq serve --key "$tmp/server.key" --bind 127.0.0.1 --port 0 \
  --allow-classical --log-level warn || { finish; exit 1; }
contains "$(cat "$tmp/mixed.out")" "pq: on (classical clients allowed)"
expect 0 "${ping[@]}" "127.0.0.1:$port" --pq off
contains "$out" "pq: off"
expect 0 "${ping[@]}" "127.0.0.1:$port"
contains "$out" "pq: on"
# --addr/--port still work.
expect 0 "${ping[@]}" --addr 127.0.0.1 --port "$port" --pq off
contains "$out" "pq: off"

# A classical-only server refuses PQ clients the same way.
start classical "$hm" stoq serve --key "$tmp/server.key" --bind ::1 --port 0 --pq off \
  --log-level warn || { finish; exit 1; }
contains "$(cat "$tmp/classical.out")" "pq: off"
expect 0 "${ping[@]}" "[::1]:$port" --pq off
expect 2 "${ping[@]}" "[::1]:$port"
expect_one_error_line

# Usage errors.
expect 1 "${ping[@]}" "[::1]:$pqport" --pq maybe
expect_one_error_line
expect 1 "${ping[@]}" "[::1]:$pqport" --allow-classical
expect_one_error_line
expect 1 "${ping[@]}" "[::1"
expect_one_error_line
expect 1 "${ping[@]}" "127.0.0.1:99999"
expect_one_error_line
expect 1 "${ping[@]}" ":$pqport"
expect_one_error_line
expect 1 "$hm" stoq serve --key "$tmp/server.key" --allow-classical --pq off
expect_one_error_line
# --max-udp-payload: 0 or 1200..65527; anything else is a usage error.
expect 1 "$hm" stoq serve --key "$tmp/server.key" --max-udp-payload 1000
expect_one_error_line
expect 1 "${ping[@]}" "[::1]:$pqport" --max-udp-payload x
expect_one_error_line
expect 0 "${ping[@]}" "[::1]:$pqport" --max-udp-payload 1452 --size 20000
contains "$out" "pq: on"

# TrustChain options: unusable files are runtime errors; a server that wants
# chains refuses a self-signed client.
printf 'not a certificate\n' >"$tmp/junk.pem"
expect 2 "${ping[@]}" "[::1]:$pqport" --cert-chain "$tmp/junk.pem"
expect_one_error_line
contains "$err" "--cert-chain or --trust-root"
expect 2 "${ping[@]}" "[::1]:$pqport" --trust-root "$tmp/missing.pem"
expect_one_error_line
if command -v certtool >/dev/null; then
  printf 'cn = "test root"\nca\ncert_signing_key\nexpiration_days = 30\n' >"$tmp/root.tmpl"
  certtool --generate-privkey --key-type=ed25519 --outfile "$tmp/root.key" 2>/dev/null
  certtool --generate-self-signed --load-privkey "$tmp/root.key" --template "$tmp/root.tmpl" \
    --outfile "$tmp/root.pem" 2>/dev/null
  start strict "$hm" stoq serve --key "$tmp/server.key" --bind ::1 --port 0 \
    --trust-root "$tmp/root.pem" --log-level error || { finish; exit 1; }
  expect 2 "${ping[@]}" "[::1]:$port" --log-level error
  expect_one_error_line
  # And a client that wants chains refuses a self-signed server.
  expect 2 "${ping[@]}" "[::1]:$pqport" --trust-root "$tmp/root.pem" --log-level error
  expect_one_error_line
  contains "$err" "certificate chain was refused"
fi

# send/recv: 3 MB over one stream, receipt checked by the sender, copy by sha256sum.
head -c 3000000 /dev/urandom >"$tmp/data.bin"
want=$(sha256sum "$tmp/data.bin" | awk '{print $1}')
start recv "$hm" stoq recv --key "$tmp/server.key" --bind ::1 --port 0 --out "$tmp/got.bin" \
  --count 1 --timeout 20000 --log-level warn || { finish; exit 1; }
rpid=$pid
expect 0 "$hm" stoq send --key "$tmp/client.key" "[::1]:$port" --peer-id "$sid" \
  --file "$tmp/data.bin" --log-level warn
contains "$out" "sent: 3000000 bytes"
contains "$out" "sha256: $want (verified by the receiver)"
contains "$out" "pq: on"
checks=$((checks + 1))
wait "$rpid" || fail "stoq recv exited $?"
contains "$(cat "$tmp/recv.out")" "received: 3000000 bytes sha256 $want"
checks=$((checks + 1))
cmp -s "$tmp/data.bin" "$tmp/got.bin" || fail "the received copy differs"

start recv2 "$hm" stoq recv --key "$tmp/server.key" --bind ::1 --port 0 --log-level warn ||
  { finish; exit 1; }
expect 2 "$hm" stoq send --key "$tmp/client.key" "[::1]:$port" --peer-id "$other" \
  --file "$tmp/data.bin" --log-level warn
expect_one_error_line
expect 2 "$hm" stoq send --key "$tmp/client.key" "[::1]:$port" --peer-id "$sid" \
  --file "$tmp/missing.bin"
expect_one_error_line
expect 1 "$hm" stoq send --key "$tmp/client.key" "[::1]:$port" --peer-id "$sid"
expect_one_error_line
expect 1 "$hm" stoq recv --key "$tmp/server.key" --peer-id "$sid"
expect_one_error_line
expect 1 "$hm" stoq send --key "$tmp/client.key" "[::1]:$port" --peer-id "$sid" \
  --file "$tmp/data.bin" --count 2
expect_one_error_line
finish
