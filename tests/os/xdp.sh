#!/usr/bin/env bash
# The XDP drop list for real, as root, between two network namespaces joined
# by a veth pair (10.x and fd00:: addresses only, no other traffic): UDP over
# IPv4 and IPv6 passes and is counted per source; a banned source's packets
# are dropped and counted; unban lets them through again; detach removes the
# program. Also the CLI's usage and runtime errors.
set -e
source "$(dirname "$0")/../lib/cli.bash"

if [[ $(uname -s) != Linux ]]; then
  echo "skip: XDP is Linux-only" >&2
  exit 77
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "skip: needs root to create network namespaces and load XDP programs" >&2
  exit 77
fi
for tool in ip python3 mount; do
  if ! command -v $tool >/dev/null; then
    echo "skip: $tool is needed" >&2
    exit 77
  fi
done

id=$$
nsa="hm-xdp-a-$id"
nsb="hm-xdp-b-$id"
va="hmxa$id"
vb="hmxb$id"
sub=$((id % 250 + 1))
a4="10.213.$sub.1"
b4="10.213.$sub.2"
a6="fd00:213:$sub::1"
b6="fd00:213:$sub::2"
pins="$tmp/bpffs"
port=$((20000 + id % 20000))

cleanup() {
  ip netns exec "$nsb" "$hm" xdp detach --dev "$vb" --pin-dir "$pins" >/dev/null 2>&1 || true
  umount "$pins" 2>/dev/null || true
  ip netns del "$nsa" 2>/dev/null || true
  ip netns del "$nsb" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$nsa"
ip netns add "$nsb"
ip link add "$va" netns "$nsa" type veth peer name "$vb" netns "$nsb"
ip -n "$nsa" addr add "$a4/30" dev "$va"
ip -n "$nsb" addr add "$b4/30" dev "$vb"
ip -n "$nsa" addr add "$a6/64" dev "$va" nodad
ip -n "$nsb" addr add "$b6/64" dev "$vb" nodad
for ns in "$nsa" "$nsb"; do ip -n "$ns" link set lo up; done
ip -n "$nsa" link set "$va" up
ip -n "$nsb" link set "$vb" up
mkdir -p "$pins"
if ! mount -t bpf bpf "$pins"; then
  echo "skip: cannot mount a bpf filesystem (kernel without CONFIG_BPF_SYSCALL?)" >&2
  exit 77
fi

# udp FAMILY DST N: N datagrams of 100 bytes from A to DST in B; prints how
# many arrived. The receiver counts until half a second after the sender is
# done (a flag file), so a slow start on a loaded machine loses nothing.
udp() {
  local family=$1 dst=$2 n=$3
  rm -f "$tmp/sent" "$tmp/recv"
  ip netns exec "$nsb" python3 - "$family" "$port" "$tmp/sent" >"$tmp/recv" <<'PY' &
import os, socket, sys, time
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", int(sys.argv[2])))
print("ready", flush=True)
s.settimeout(0.1)
n, done_at = 0, None
while done_at is None or time.monotonic() < done_at + 0.5:
    try:
        s.recv(2048)
        n += 1
    except socket.timeout:
        pass
    if done_at is None and os.path.exists(sys.argv[3]):
        done_at = time.monotonic()
print(n)
PY
  local receiver=$!
  for _ in $(seq 400); do grep -q ready "$tmp/recv" 2>/dev/null && break; sleep 0.05; done
  grep -q ready "$tmp/recv" || fail "the UDP receiver did not start"
  ip netns exec "$nsa" python3 - "$family" "$dst" "$port" "$n" <<'PY'
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[4])):
    s.sendto(b"x" * 100, (sys.argv[2], int(sys.argv[3])))
PY
  touch "$tmp/sent"
  wait $receiver
  tail -n 1 "$tmp/recv"
}

# jq-free JSON field: json_get 'expr' evaluates a Python expression over j.
json_get() {
  python3 -c 'import json,sys; j=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<<"$out"
}

xdp() { ip netns exec "$nsb" "$hm" xdp "$@" --pin-dir "$pins"; }

checkeq() {
  checks=$((checks + 1))
  [[ "$1" == "$2" ]] || fail "$3: got '$1', want '$2'"
}

# --- traffic flows before anything is attached ---
checkeq "$(udp 4 "$b4" 20)" 20 "IPv4 UDP before attach"

# --- attach; traffic still flows and is counted per source ---
checks=$((checks + 1))
if ! xdp attach --dev "$vb" >"$tmp/out" 2>"$tmp/err"; then
  if grep -q "not supported" "$tmp/err"; then
    echo "skip: XDP not supported here: $(cat "$tmp/err")" >&2
    exit 77
  fi
  fail "xdp attach: $(cat "$tmp/err")"
fi
contains "$(ip -n "$nsb" link show "$vb")" "xdp"
expect 2 xdp attach --dev "$vb"
expect_one_error_line
contains "$err" "already attached"
checkeq "$(udp 4 "$b4" 50)" 50 "IPv4 UDP with the program attached"
checkeq "$(udp 6 "$b6" 40)" 40 "IPv6 UDP with the program attached"
expect 0 xdp list --dev "$vb" --json
checkeq "$(json_get "[p['packets'] for p in j['peers'] if p['addr']=='$a4'][0] >= 50")" True "IPv4 source counted"
checkeq "$(json_get "[p['packets'] for p in j['peers'] if p['addr']=='$a6'][0] >= 40")" True "IPv6 source counted"
checkeq "$(json_get "j['totals']['passed_packets'] >= 90")" True "passed total"
checkeq "$(json_get "j['totals']['dropped_packets']")" 0 "nothing dropped yet"
checkeq "$(json_get "len(j['banned'])")" 0 "empty drop list"

# --- ban the IPv4 source: its packets stop, IPv6 still flows ---
expect 0 xdp ban --dev "$vb" "$a4"
checkeq "$(udp 4 "$b4" 50)" 0 "IPv4 UDP from a banned source"
checkeq "$(udp 6 "$b6" 30)" 30 "IPv6 UDP while only IPv4 is banned"
expect 0 xdp list --dev "$vb" --json
checkeq "$(json_get "[b['packets'] for b in j['banned'] if b['addr']=='$a4'][0]")" 50 "drops counted for the banned address"
checkeq "$(json_get "[b['bytes'] for b in j['banned'] if b['addr']=='$a4'][0] >= 50*128")" True "dropped bytes (100 B payload + headers)"
checkeq "$(json_get "j['totals']['dropped_packets']")" 50 "dropped total"

# --- ban the IPv6 source too (written in another form) ---
expect 0 xdp ban --dev "$vb" "fd00:213:$sub:0:0:0:0:1"
checkeq "$(udp 6 "$b6" 25)" 0 "IPv6 UDP from a banned source"
expect 0 xdp list --dev "$vb"
contains "$out" "$a4"
contains "$out" "$a6"
expect 0 xdp list --dev "$vb" --json
# 25 datagrams, plus any neighbour solicitation B's kernel got from a6 meanwhile.
checkeq "$(json_get "25 <= [b['packets'] for b in j['banned'] if b['addr']=='$a6'][0] <= 30")" True "IPv6 drops counted"

# --- editing errors change nothing ---
expect 2 xdp ban --dev "$vb" "$a4"
expect_one_error_line
contains "$err" "already banned"
expect 1 xdp ban --dev "$vb" "10.213.300.1"
expect_one_error_line
expect 1 xdp ban --dev "$vb" ""
expect 1 xdp ban --dev "$vb"
expect 2 xdp unban --dev "$vb" "10.213.$sub.3"
contains "$err" "not banned"
expect 0 xdp list --dev "$vb" --json
checkeq "$(json_get "len(j['banned'])")" 2 "failed edits left the list alone"

# --- unban: packets flow again ---
expect 0 xdp unban --dev "$vb" "$a4"
checkeq "$(udp 4 "$b4" 30)" 30 "IPv4 UDP after unban"
checkeq "$(udp 6 "$b6" 10)" 0 "IPv6 still banned"
expect 0 xdp unban --dev "$vb" "$a6"
checkeq "$(udp 6 "$b6" 10)" 10 "IPv6 UDP after unban"

# --- usage and lookup errors ---
expect 1 "$hm" xdp
expect 1 "$hm" xdp frobnicate --dev "$vb"
expect 1 "$hm" xdp attach
expect_one_error_line
expect 1 "$hm" xdp list --dev "$vb" extra
expect 1 "$hm" xdp attach --dev "$vb" --json
expect 2 ip netns exec "$nsb" "$hm" xdp attach --dev hm-no-such-if --pin-dir "$pins"
expect_one_error_line
expect 2 ip netns exec "$nsb" "$hm" xdp list --dev "$va" --pin-dir "$pins"
contains "$err" "no drop list attached"
expect 2 ip netns exec "$nsb" "$hm" xdp attach --dev "$vb" --pin-dir "$tmp"
contains "$err" "bpf filesystem"

# --- detach: program and pins gone, traffic unaffected ---
expect 0 xdp detach --dev "$vb"
checks=$((checks + 1))
if ip -n "$nsb" link show "$vb" | grep -q "prog/xdp"; then fail "program still attached"; fi
expect 2 xdp list --dev "$vb"
expect 2 xdp detach --dev "$vb"
contains "$err" "not attached"
checkeq "$(udp 4 "$b4" 20)" 20 "IPv4 UDP after detach"

finish
