#!/usr/bin/env bash
# hypermesh hw / top against the system's own tools on this machine: nproc,
# lscpu, free, lsblk, ip; CPU load and a direct disk write must show in top.
set -e
source "$(dirname "$0")/../lib/cli.bash"

if [[ $(uname -s) != Linux ]]; then
  echo "skip: the OS backend is Linux-only for now" >&2
  exit 77
fi
if ! command -v python3 >/dev/null; then
  echo "skip: python3 is needed to read the JSON" >&2
  exit 77
fi

# --- hw: human output and JSON ---
expect 0 "$hm" hw
for section in CPU Memory Disks Filesystems GPUs Network; do
  contains "$out" "$section"
done
expect 0 "$hm" hw --json
printf '%s\n' "$out" >"$tmp/hw.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/hw.json" || fail "hw --json is not JSON"

# Each comparison prints "FAIL: ..." on a mismatch and "SKIP: ..." when a tool
# lacks the field; the script exits 1 if anything failed.
compare() {
  checks=$((checks + 1))
  python3 - "$tmp/hw.json" "$@" || fail "hw --json disagrees with $1"
}

command -v nproc >/dev/null && compare nproc "$(nproc)" "$(getconf _NPROCESSORS_ONLN)" <<'EOF'
import json, sys
hw = json.load(open(sys.argv[1]))["cpu"]
usable, online = int(sys.argv[3]), int(sys.argv[4])
ok = True
if hw["threads_usable"] != usable:
    print(f"FAIL: threads_usable {hw['threads_usable']}, nproc {usable}"); ok = False
if hw["threads"] != online:
    print(f"FAIL: threads {hw['threads']}, online CPUs {online}"); ok = False
sys.exit(0 if ok else 1)
EOF

if command -v lscpu >/dev/null; then
  LC_ALL=C lscpu >"$tmp/lscpu"
  compare lscpu "$tmp/lscpu" <<'EOF'
import json, sys
hw = json.load(open(sys.argv[1]))["cpu"]
fields = {}
for line in open(sys.argv[3]):
    if ":" in line:
        k, v = line.split(":", 1)
        fields[k.strip()] = v.strip()
ok = True
def same(name, ours, key):
    global ok
    if key not in fields:
        print(f"SKIP: lscpu has no '{key}'"); return
    if name != "model" and not fields[key].isdigit():
        print(f"SKIP: lscpu says {fields[key]!r} for '{key}'"); return
    if str(ours) != fields[key]:
        print(f"FAIL: {name}: ours {ours!r}, lscpu {fields[key]!r}"); ok = False
if hw["model"]:
    same("model", hw["model"], "Model name")
same("sockets", hw["sockets"], "Socket(s)")
if hw["sockets"]:
    same("cores per socket", hw["cores"] // hw["sockets"], "Core(s) per socket")
if hw["cores"]:
    same("threads per core", hw["threads"] // hw["cores"], "Thread(s) per core")
if "On-line CPU(s) list" in fields:
    n = 0
    for part in fields["On-line CPU(s) list"].split(","):
        a, _, b = part.partition("-")
        n += int(b or a) - int(a) + 1
    if n != hw["threads"]:
        print(f"FAIL: threads {hw['threads']}, lscpu online {n}"); ok = False
sys.exit(0 if ok else 1)
EOF
fi

if command -v free >/dev/null; then
  compare free "$(free -b | awk '/^Mem:/ {print $2}')" <<'EOF'
import json, sys
hw = json.load(open(sys.argv[1]))["memory"]
if hw["total_bytes"] != int(sys.argv[3]):
    print(f"FAIL: memory total {hw['total_bytes']}, free -b {sys.argv[3]}"); sys.exit(1)
EOF
fi

if command -v lsblk >/dev/null; then
  lsblk -b -d -n -o NAME,SIZE >"$tmp/lsblk"
  compare lsblk "$tmp/lsblk" <<'EOF'
import json, sys
ours = {d["name"]: d["size_bytes"] for d in json.load(open(sys.argv[1]))["disks"]}
theirs = {}
for line in open(sys.argv[3]):
    parts = line.split()
    if len(parts) == 2:
        theirs[parts[0]] = int(parts[1])
ok = True
for name, size in theirs.items():
    if size > 0 and ours.get(name) != size:
        print(f"FAIL: disk {name}: ours {ours.get(name)}, lsblk {size}"); ok = False
for name, size in ours.items():
    if name in theirs and theirs[name] != size:
        print(f"FAIL: disk {name}: ours {size}, lsblk {theirs[name]}"); ok = False
sys.exit(0 if ok else 1)
EOF
fi

if command -v ip >/dev/null && ip -j addr >"$tmp/ip.json" 2>/dev/null; then
  compare "ip -j addr" "$tmp/ip.json" <<'EOF'
import json, sys
ours = {n["name"]: n for n in json.load(open(sys.argv[1]))["network"]}
ok = True
for link in json.load(open(sys.argv[3])):
    name = link["ifname"]
    if name not in ours:
        print(f"FAIL: interface {name} missing"); ok = False; continue
    n = ours[name]
    if n["mtu"] != link["mtu"]:
        print(f"FAIL: {name} mtu {n['mtu']}, ip {link['mtu']}"); ok = False
    want = sorted((a["family"], a["local"], a["prefixlen"]) for a in link.get("addr_info", [])
                  if a.get("family") in ("inet", "inet6"))
    got = sorted(("inet" if a["family"] == 4 else "inet6", a["address"], a["prefix_len"])
                 for a in n["addresses"])
    if len(want) <= 16 and want != got:
        print(f"FAIL: {name} addresses {got}, ip {want}"); ok = False
sys.exit(0 if ok else 1)
EOF
fi

# --- usage errors: exit 1, one line ---
for args in "hw extra" "hw --bogus" "hw --interval 5" "top --interval 0" "top --interval 9x" \
            "top --count 0" "top --count -1" "top --interval" "top extra" \
            "top --bpf --no-bpf" "top --pid 0" "top --pid x" "top --procs 1001" \
            "top --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1 --pid 1"; do
  # shellcheck disable=SC2086
  expect 1 "$hm" $args
  expect_one_error_line
done
expect 0 "$hm" hw --help
contains "$out" "usage: hypermesh hw"
expect 0 "$hm" top --help
contains "$out" "usage: hypermesh top"

# --- top: per-process telemetry, --once, --pid, /proc and eBPF sources ---
expect 0 "$hm" top --once --interval 100 --no-bpf --procs 0 --pid $$ --json
python3 -c '
import json, sys
j = json.loads(sys.argv[1]); t = j["telemetry"]
assert t["source"] == "proc" and t["bpf_error"] is not None, t
assert [p["pid"] for p in t["procs"]] == [int(sys.argv[2])], t["procs"]
assert "net_tx_bytes" not in t["procs"][0] and "runq_us_log2" not in t
' "$out" $$ || fail "top --no-bpf --pid: $out"
if [[ $(id -u) -eq 0 ]]; then
  expect 0 "$hm" top --once --interval 200 --bpf --procs 3 --json
  python3 -c '
import json, sys
t = json.loads(sys.argv[1])["telemetry"]
assert t["source"] == "bpf" and t["bpf_error"] is None, t
assert 1 <= len(t["procs"]) <= 3 and "net_rx_bytes" in t["procs"][0], t["procs"]
assert len(t["runq_us_log2"]) == 32 and sum(t["runq_us_log2"]) > 0, t
' "$out" || fail "top --bpf --json: $out"
else
  expect 2 "$hm" top --once --bpf
  expect_one_error_line
  contains "$err" "permission denied"
fi

# --- top: N lines, then exit ---
expect 0 "$hm" top --interval 100 --count 2
[[ $(grep -c '^cpu' <<<"$out") -eq 2 ]] || fail "top --count 2 printed: $out"
contains "$out" "cpu "
expect 0 "$hm" top --interval 100 --count 2 --json
printf '%s\n' "$out" >"$tmp/top.json"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    u = json.loads(line)
    assert 0 <= u["cpu_percent"] <= 100, u
    assert u["mem_used_bytes"] <= u["mem_total_bytes"], u
    assert abs(u["interval_s"] - 0.1) < 0.5, u
' "$tmp/top.json" || fail "top --json lines are wrong: $out"

cpu_percent() {
  "$hm" top --json --interval "$1" --count 1 |
    python3 -c 'import json,sys; print(int(json.load(sys.stdin)["cpu_percent"]))'
}

# --- CPU load: a busy loop per CPU must show ---
# A cgroup CPU quota caps what the loops can add: expect half of what the
# quota (or the usable CPUs) allows, as a share of all online CPUs.
usable=$(nproc)
online=$(getconf _NPROCESSORS_ONLN)
quota=""
if [[ -r /sys/fs/cgroup/cpu.max ]]; then
  read -r q p </sys/fs/cgroup/cpu.max
  [[ $q != max ]] && quota=$(( (q + p - 1) / p ))
elif [[ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]]; then
  q=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us); p=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)
  (( q > 0 )) && quota=$(( (q + p - 1) / p ))
fi
[[ -n $quota ]] && (( quota < usable )) && usable=$quota
rise=$(( 50 * usable / online ))
(( rise < 1 )) && rise=1
(( rise > 10 )) && rise=10
idle=$(cpu_percent 1000)
pids=()
for _ in $(seq "$(nproc)"); do
  (while :; do :; done) &
  pids+=($!)
done
sleep 0.2
busy=$(cpu_percent 1000)
for p in "${pids[@]}"; do kill "$p"; done
wait "${pids[@]}" 2>/dev/null || true
checks=$((checks + 1))
# Other work may already keep the CPUs busy; then the loaded reading must be near 100.
if ! (( busy >= idle + rise || busy >= 90 )); then
  fail "cpu did not rise by $rise points under load: idle $idle%, busy $busy%"
fi
echo "cpu: idle $idle%, loaded $busy% (expected a rise of $rise points)"

# --- Disk writes: a direct write of 16 MiB under $tmp must show ---
src=$(df --output=source "$tmp" 2>/dev/null | tail -n 1)
disk=""
if [[ $src == /dev/* ]] && command -v lsblk >/dev/null; then
  disk=$(lsblk -n -o PKNAME "$src" 2>/dev/null | head -n 1)
  [[ -n $disk ]] || disk=$(basename "$(readlink -f "$src")")
fi
if [[ -z $disk ]] || ! python3 -c '
import json, sys
sys.exit(0 if any(d["name"] == sys.argv[2] and d["physical"]
                  for d in json.load(open(sys.argv[1]))["disks"]) else 1)' "$tmp/hw.json" "$disk"
then
  echo "note: $tmp is not on a physical disk (source '$src'); disk write check skipped" >&2
else
  "$hm" top --json --interval 3000 --count 1 >"$tmp/top-disk.json" &
  top_pid=$!
  sleep 0.3
  start=$(date +%s%N)
  dd if=/dev/zero of="$tmp/direct" bs=1M count=16 oflag=direct conv=fsync status=none 2>/dev/null ||
    dd if=/dev/zero of="$tmp/direct" bs=1M count=16 conv=fsync status=none
  took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  wait "$top_pid"
  checks=$((checks + 1))
  if (( took_ms > 2500 )); then
    echo "note: the write took ${took_ms} ms, longer than the sampling window; not judged" >&2
  else
    python3 - "$tmp/top-disk.json" "$disk" <<'EOF' || fail "disk write of 16 MiB not seen on $disk"
import json, sys
u = json.load(open(sys.argv[1]))
d = [x for x in u["disks"] if x["name"] == sys.argv[2]]
written = d[0]["write_bps"] * u["interval_s"] if d else 0
print(f"disk {sys.argv[2]}: {written / 2**20:.1f} MiB written in the window")
sys.exit(0 if written >= 16 * 2**20 else 1)
EOF
  fi
fi

finish
