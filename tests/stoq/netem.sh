#!/usr/bin/env bash
# STOQ over a bad path, as root: two network namespaces joined by a veth pair
# whose both ends drop 5% of packets, delay them 5 ms +- 2 ms, reorder 25%
# and duplicate 1% (tc netem). Over it, with the PQ layer on: 4 MB with
# `stoq send`/`stoq recv`, checked by the receiver's SHA-256 receipt and by
# sha256sum of what it stored, over IPv4 and IPv6; and RPC echo calls with
# `stoq ping`. Everything must finish within a time bound.
set -e
source "$(dirname "$0")/../lib/cli.bash"

if [[ $(uname -s) != Linux ]]; then
  echo "skip: network namespaces are Linux-only" >&2
  exit 77
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "skip: needs root to create network namespaces and netem qdiscs" >&2
  exit 77
fi
for tool in ip tc sha256sum timeout; do
  if ! command -v $tool >/dev/null; then
    echo "skip: $tool is needed" >&2
    exit 77
  fi
done

id=$$
nsa="hm-netem-a-$id"
nsb="hm-netem-b-$id"
va="hmna$id"
vb="hmnb$id"
sub=$((id % 250 + 1))
a4="10.214.$sub.1"
b4="10.214.$sub.2"
a6="fd00:214:$sub::1"
b6="fd00:214:$sub::2"
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$nsa" 2>/dev/null || true
  ip netns del "$nsb" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

if ! ip netns add "$nsa" 2>/dev/null; then
  echo "skip: cannot create network namespaces (ip netns add failed)" >&2
  exit 77
fi
ip netns add "$nsb"
ip link add "$va" netns "$nsa" type veth peer name "$vb" netns "$nsb"
ip -n "$nsa" addr add "$a4/30" dev "$va"
ip -n "$nsb" addr add "$b4/30" dev "$vb"
ip -n "$nsa" addr add "$a6/64" dev "$va" nodad
ip -n "$nsb" addr add "$b6/64" dev "$vb" nodad
for ns in "$nsa" "$nsb"; do ip -n "$ns" link set lo up; done
ip -n "$nsa" link set "$va" up
ip -n "$nsb" link set "$vb" up
# Both directions: data one way, acknowledgements the other.
for pair in "$nsa $va" "$nsb $vb"; do
  set -- $pair
  if ! ip netns exec "$1" tc qdisc add dev "$2" root netem loss 5% delay 5ms 2ms \
      reorder 25% duplicate 1% 2>"$tmp/tc.err"; then
    echo "skip: tc netem is unavailable: $(cat "$tmp/tc.err")" >&2
    exit 77
  fi
done
checks=$((checks + 1))
ip netns exec "$nsa" tc qdisc show dev "$va" | grep -q "loss 5%" || fail "netem is not in place"

expect 0 "$hm" keygen --out "$tmp/server.key"
sid=$(printf '%s\n' "$out" | awk '/^node_id:/ {print $2}')
expect 0 "$hm" keygen --out "$tmp/client.key"
head -c 4000000 /dev/urandom >"$tmp/data.bin"
want=$(sha256sum "$tmp/data.bin" | awk '{print $1}')

# start NAME CMD...: a server in namespace B; sets $port once it prints "port: N".
start() {
  local name=$1; shift
  ip netns exec "$nsb" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
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

t0=$(date +%s)
# One transfer each over IPv4 and IPv6, each stored and counted by the receiver.
for fam in 4 6; do
  if [[ $fam == 4 ]]; then bind=$b4; target="$b4"; else bind=$b6; target="[$b6]"; fi
  start "recv$fam" "$hm" stoq recv --key "$tmp/server.key" --bind "$bind" --port 0 \
    --out "$tmp/got$fam.bin" --count 1 --timeout 25000 --log-level warn || { finish; exit 1; }
  rpid=$pid
  expect 0 ip netns exec "$nsa" timeout 25 "$hm" stoq send --key "$tmp/client.key" \
    "$target:$port" --peer-id "$sid" --file "$tmp/data.bin" --timeout 20000 --log-level warn
  contains "$out" "sha256: $want (verified by the receiver)"
  contains "$out" "pq: on"
  printf '%s\n' "$out" | sed "s/^/  IPv$fam /"
  checks=$((checks + 1))
  wait "$rpid" || fail "stoq recv over IPv$fam exited $?: $(cat "$tmp/recv$fam.err")"
  contains "$(cat "$tmp/recv$fam.out")" "received: 4000000 bytes sha256 $want"
  checks=$((checks + 1))
  [[ $(sha256sum "$tmp/got$fam.bin" | awk '{print $1}') == "$want" ]] ||
    fail "the stored copy over IPv$fam differs"
done

# RPC over the same path: 50 echo calls of 16 KiB, each answer compared byte for byte.
start serve "$hm" stoq serve --key "$tmp/server.key" --bind "$b4" --port 0 --log-level warn ||
  { finish; exit 1; }
expect 0 ip netns exec "$nsa" timeout 25 "$hm" stoq ping --key "$tmp/client.key" "$b4:$port" \
  --peer-id "$sid" --size 16384 --count 50 --log-level warn
contains "$out" "ok: 50 calls of 16384 bytes"
contains "$out" "pq: on"
printf '%s\n' "$out" | sed 's/^/  RPC /'

elapsed=$(($(date +%s) - t0))
checks=$((checks + 1))
((elapsed <= 30)) || fail "took ${elapsed}s over the lossy path (bound: 30 s)"
echo "netem: done in ${elapsed}s"
finish
