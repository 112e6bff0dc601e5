#!/usr/bin/env bash
# STOQ (PQ layer on, server and client in two processes) beside ngtcp2's own
# example programs (Debian packages ngtcp2-server, ngtcp2-client: gtlsserver
# and gtlsclient, HTTP/3 over ngtcp2 + GnuTLS), downloading the same file of
# SIZE random bytes over 127.0.0.1 in one connection.
#
# STOQ runs twice per round: with its automatic datagram size (to a peer on
# this host, as large as the route allows: 65507 bytes on lo) and with
# `--max-udp-payload 1452`, the size it uses across a network, which is
# also what ngtcp2's examples send. The ratio on the last line is the
# automatic one's; the 1452-byte ratio is printed before it.
#
# Before the timed runs a file of SIZE bytes is written to the download
# directory's file system and deleted, so that no client pays for the first
# touch of fresh tmpfs memory (in a VM that cost seconds per GiB once).
#
# usage: bench/stoq-vs-ngtcp2.sh [--size BYTES] [--runs N] [--build DIR]
#   --size   bytes in the file (default 1073741824, 1 GiB)
#   --runs   runs of each, alternating (default 3); medians are reported
#   --build  build directory holding bin/hypermesh (default build)
#
# Both downloads are checked byte for byte (SHA-256 of the file written by
# each client against the original). Both throughputs are timed the same
# way, as the wall time of the client process (start, handshake, transfer,
# writing the file to tmpfs, exit); STOQ's own in-process figure (request to
# FIN) is shown beside it. The last line is `ratio: X.XX` (STOQ / ngtcp2,
# the ratio of the two medians); the median of the per-run ratios (each
# pair ran back to back, under the same load) is printed before it, and the
# CPU seconds per GiB both processes of each side used (from /proc and
# /usr/bin/time), which depend less on the machine's other load. Exit
# status: 0 ok, 1 usage, 2 a failed or corrupted transfer, 77 ngtcp2's
# examples are not installed.
set -euo pipefail

size=1073741824
runs=3
build=build
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=${2:?--size needs a value}; shift 2 ;;
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --build) build=${2:?--build needs a value}; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "stoq-vs-ngtcp2: unknown option '$1'" >&2; exit 1 ;;
  esac
done
[[ $size =~ ^[1-9][0-9]*$ ]] || { echo "stoq-vs-ngtcp2: --size must be a positive number" >&2; exit 1; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "stoq-vs-ngtcp2: --runs must be a positive number" >&2; exit 1; }
hm=$build/bin/hypermesh
[[ -x $hm ]] || { echo "stoq-vs-ngtcp2: $hm not built" >&2; exit 1; }
server=$(command -v gtlsserver || echo /usr/sbin/gtlsserver)
client=$(command -v gtlsclient || echo /usr/bin/gtlsclient)
if [[ ! -x $server || ! -x $client ]]; then
  echo "stoq-vs-ngtcp2: gtlsserver/gtlsclient not installed (packages ngtcp2-server ngtcp2-client)" >&2
  exit 77
fi

# tmpfs when there is room: the clients write what they receive.
base=/tmp
if [[ -d /dev/shm ]] && (( $(df -k --output=avail /dev/shm | tail -1) * 1024 > 3 * size + (64 << 20) )); then
  base=/dev/shm
fi
dir=$(mktemp -d "$base/stoq-vs-ngtcp2.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

mkdir -p "$dir/www" "$dir/ngtcp2-out"
head -c "$size" /dev/urandom >"$dir/www/data.bin"
want=$(sha256sum "$dir/www/data.bin" | cut -d' ' -f1)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null

now_ns() { date +%s%N; }
# CPU seconds (user + system) a process has used so far, from /proc.
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
# CPU seconds of a finished client, from /usr/bin/time's "%U %S" in FILE.
client_cpu() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }
gbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.3f", b * 8 / ns }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
check() { # check NAME FILE
  local got
  got=$(sha256sum "$2" | cut -d' ' -f1)
  if [[ $got != "$want" ]]; then
    echo "stoq-vs-ngtcp2: $1 download differs from the original (sha256 $got, want $want)" >&2
    exit 2
  fi
}

# First touch of the download file system's memory, outside the timings.
head -c "$size" /dev/zero >"$dir/warm.bin"
rm -f "$dir/warm.bin"

# STOQ's servers: send the file to whoever asks, PQ layer on (the default);
# NAME is auto (automatic datagram size) or 1452 (--max-udp-payload 1452).
declare -A stoq_pid stoq_port stoq_id
start_stoq() { # start_stoq NAME [OPTIONS...]
  local name=$1
  shift
  "$hm" stoq bench --serve --bind 127.0.0.1 --file "$dir/www/data.bin" "$@" >"$dir/stoq-$name-server.out" 2>"$dir/stoq-$name-server.err" &
  stoq_pid[$name]=$!
  pids+=("${stoq_pid[$name]}")
  for _ in $(seq 100); do grep -q '^port:' "$dir/stoq-$name-server.out" && break; sleep 0.05; done
  stoq_port[$name]=$(awk '/^port:/ {print $2}' "$dir/stoq-$name-server.out")
  stoq_id[$name]=$(awk '/^node_id:/ {print $2}' "$dir/stoq-$name-server.out")
  [[ -n ${stoq_port[$name]} && -n ${stoq_id[$name]} ]] || { echo "stoq-vs-ngtcp2: STOQ server did not start: $(cat "$dir/stoq-$name-server.err")" >&2; exit 2; }
}
start_stoq auto
start_stoq 1452 --max-udp-payload 1452

# ngtcp2's server on a free port.
ng_port=
for _ in $(seq 20); do
  p=$((20000 + RANDOM % 40000))
  "$server" -q -d "$dir/www" 127.0.0.1 "$p" "$dir/key.pem" "$dir/cert.pem" >/dev/null 2>"$dir/ngtcp2-server.err" &
  pid=$!
  sleep 0.3
  if kill -0 "$pid" 2>/dev/null; then ng_port=$p; ng_pid=$pid; pids+=("$pid"); break; fi
done
[[ -n $ng_port ]] || { echo "stoq-vs-ngtcp2: gtlsserver did not start: $(cat "$dir/ngtcp2-server.err")" >&2; exit 2; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "size:    $size bytes, $runs runs each, 127.0.0.1, one connection, client and server in two processes"
for f in stoq-auto stoq-1452 ngtcp2; do : >"$dir/$f.gbps"; : >"$dir/$f.cpu"; done
: >"$dir/stoq-inner.gbps"; : >"$dir/paired.ratio"; : >"$dir/paired-1452.ratio"
# run_stoq NAME [OPTIONS...]: one STOQ download; sets s (Gbit/s), inner, cpu, dgram.
run_stoq() {
  local name=$1 c0 t0 t1
  shift
  rm -f "$dir/stoq.bin"
  c0=$(proc_cpu "${stoq_pid[$name]}")
  t0=$(now_ns)
  if ! /usr/bin/time -o "$dir/time" -f '%U %S' "$hm" stoq bench --connect 127.0.0.1 --port "${stoq_port[$name]}" --peer-id "${stoq_id[$name]}" --mode bulk \
      --size 0 --out "$dir/stoq.bin" "$@" >"$dir/stoq-client.out" 2>"$dir/stoq-client.err"; then
    echo "stoq-vs-ngtcp2: STOQ client failed: $(cat "$dir/stoq-client.err")" >&2
    exit 2
  fi
  t1=$(now_ns)
  cpu=$(awk -v a="$(proc_cpu "${stoq_pid[$name]}")" -v b="$c0" -v c="$(client_cpu "$dir/time")" -v n="$size" \
    'BEGIN { printf "%.2f", (a - b + c) * 1073741824 / n }')
  echo "$cpu" >>"$dir/stoq-$name.cpu"
  check STOQ "$dir/stoq.bin"
  s=$(gbps "$size" $((t1 - t0)))
  inner=$(awk '/^bulk_gbit_per_s:/ {print $2}' "$dir/stoq-client.out")
  dgram=$(awk '/^rx_datagrams:/ {print $4}' "$dir/stoq-client.out")
  echo "$s" >>"$dir/stoq-$name.gbps"
}
for run in $(seq "$runs"); do
  run_stoq auto
  sa=$s; sa_inner=$inner; sa_cpu=$cpu; sa_dgram=$dgram
  echo "$inner" >>"$dir/stoq-inner.gbps"
  run_stoq 1452 --max-udp-payload 1452
  s1=$s; s1_cpu=$cpu; s1_dgram=$dgram

  rm -f "$dir/ngtcp2-out/data.bin"
  c0=$(proc_cpu "$ng_pid")
  t0=$(now_ns)
  if ! /usr/bin/time -o "$dir/time" -f '%U %S' "$client" -q --exit-on-all-streams-close --download "$dir/ngtcp2-out" 127.0.0.1 "$ng_port" \
      "https://127.0.0.1:$ng_port/data.bin" >/dev/null 2>"$dir/ngtcp2-client.err"; then
    echo "stoq-vs-ngtcp2: gtlsclient failed: $(tail -3 "$dir/ngtcp2-client.err")" >&2
    exit 2
  fi
  t1=$(now_ns)
  ncpu=$(awk -v a="$(proc_cpu "$ng_pid")" -v b="$c0" -v c="$(client_cpu "$dir/time")" -v n="$size" \
    'BEGIN { printf "%.2f", (a - b + c) * 1073741824 / n }')
  echo "$ncpu" >>"$dir/ngtcp2.cpu"
  [[ -f $dir/ngtcp2-out/data.bin ]] || { echo "stoq-vs-ngtcp2: gtlsclient saved nothing" >&2; exit 2; }
  check ngtcp2 "$dir/ngtcp2-out/data.bin"
  rm -f "$dir/ngtcp2-out/data.bin"
  n=$(gbps "$size" $((t1 - t0)))
  echo "$n" >>"$dir/ngtcp2.gbps"
  awk -v s="$sa" -v n="$n" 'BEGIN { printf "%.3f\n", s / n }' >>"$dir/paired.ratio"
  awk -v s="$s1" -v n="$n" 'BEGIN { printf "%.3f\n", s / n }' >>"$dir/paired-1452.ratio"
  echo "run $run: STOQ (PQ on, automatic, ${sa_dgram}-byte datagrams) $sa Gbit/s (in-process timing $sa_inner; $sa_cpu CPU s/GiB)," \
    "STOQ --max-udp-payload 1452 ($s1_dgram) $s1 Gbit/s ($s1_cpu CPU s/GiB), ngtcp2 examples $n Gbit/s ($ncpu CPU s/GiB); all sha256 ok"
done
s=$(median <"$dir/stoq-auto.gbps")
s1=$(median <"$dir/stoq-1452.gbps")
inner=$(median <"$dir/stoq-inner.gbps")
n=$(median <"$dir/ngtcp2.gbps")
echo "STOQ, PQ on, automatic datagram size (hypermesh stoq bench): $s Gbit/s median (request to FIN inside the client: $inner)"
echo "STOQ, PQ on, --max-udp-payload 1452: $s1 Gbit/s median"
echo "ngtcp2 examples (gtlsserver/gtlsclient): $n Gbit/s median"
# CPU time does not depend on what else the machine runs as much as wall time does.
echo "CPU per GiB, server + client (median): STOQ $(median <"$dir/stoq-auto.cpu") s, STOQ at 1452 bytes $(median <"$dir/stoq-1452.cpu") s, ngtcp2 examples $(median <"$dir/ngtcp2.cpu") s"
# Back-to-back runs share the machine's load at the time: their ratios vary less than either side.
echo "median of the per-run ratios: $(median <"$dir/paired.ratio") (at 1452 bytes: $(median <"$dir/paired-1452.ratio"))"
awk -v s="$s1" -v n="$n" 'BEGIN { printf "ratio at 1452-byte datagrams: %.2f\n", s / n }'
awk -v s="$s" -v n="$n" 'BEGIN { printf "ratio: %.2f\n", s / n }'
