#!/bin/bash
# One PoTime VDF evaluation per anchor for the whole network (docs/NODE.md,
# "PoTime anchors"), with 4 real validator processes on loopback and a
# small governance (anchor window 60 blocks, so an anchor every 30; T = 2000):
#   - under light load (loadgen, open loop) across >= 2 renewals, the
#     validators' VDF evaluations (/metrics) add up to exactly one per anchor,
#     the other three adopt it from the evaluator, nobody falls back or
#     refuses anything, and certificates keep being issued;
#   - with the designated evaluator of an upcoming anchor killed, a backup
#     evaluates it (fallback counted) and the anchors keep advancing; a
#     certificate is still issued (backups are staggered by a few blocks, so on
#     a loaded machine a second backup may also evaluate: extra evaluations are
#     allowed only as fallbacks);
#   - a validator whose anchors carry the wrong T (restarted with another
#     governance file) has every anchor refused, with a log line, by the
#     others, who evaluate its turns themselves (extra evaluations again only
#     as fallbacks);
#   - /metrics with the new counters passes promtool, /v1/consensus/status has them;
#   - devnet --anchor-window / --vdf-iterations out of range: exit 1, nothing made.
source "$(dirname "$0")/../lib/cli.bash"
eval "$(declare -f expect | sed '1s/^expect/cli_expect/')"
expect() { cli_expect "$@"; set +e; }

for tool in curl openssl python3 promtool; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed" >&2; exit 77; }
done

source "$(dirname "$0")/../lib/node.bash"

interval=30 # anchor_window / 2

# scrape I -> "ANCHOR_HEIGHT EVALUATIONS ADOPTED FALLBACKS REFUSED" from one /metrics answer
scrape() {
  curl -s -m 5 "$(api "$1")/metrics" | awk '
    $1 == "hypermesh_potime_anchor_height" {h = $2}
    $1 == "hypermesh_potime_vdf_evaluations_total" {e = $2}
    $1 == "hypermesh_potime_anchors_adopted_total" {d = $2}
    $1 == "hypermesh_potime_anchor_fallbacks_total" {f = $2}
    $1 == "hypermesh_potime_anchors_refused_total" {r = $2}
    END {if (h != "") printf "%d %d %d %d %d\n", h, e, d, f, r}'
}

# snap MIN NODES... -> "ANCHOR EVALS ADOPTED FALLBACKS REFUSED" (sums over NODES)
# once every node uses the same anchor, at least MIN, both before and after
# its counters were read (no renewal in between); nothing after 60 s.
snap() {
  local min=$1 deadline=$((SECONDS + 60)) i a ok h e d f r
  shift
  while ((SECONDS < deadline)); do
    ok=1 a="" e=0 d=0 f=0 r=0
    for i in "$@"; do
      read -r -a v <<<"$(scrape "$i")"
      [[ ${#v[@]} -eq 5 ]] || { ok=0; break; }
      [[ -z $a ]] && a=${v[0]}
      [[ ${v[0]} == "$a" ]] || { ok=0; break; }
      e=$((e + v[1])) d=$((d + v[2])) f=$((f + v[3])) r=$((r + v[4]))
    done
    if ((ok)) && ((a >= min)); then
      for i in "$@"; do
        read -r -a v <<<"$(scrape "$i")"
        [[ ${v[0]:-} == "$a" ]] || ok=0
      done
      ((ok)) && { echo "$a $e $d $f $r"; return; }
    fi
    sleep 0.1
  done
}

# The devnet's PoTime options: bad values are usage errors and make nothing.
for bad in "--anchor-window 1" "--anchor-window x" "--vdf-iterations 0" "--vdf-iterations 1e3"; do
  expect 1 "$hm" devnet --dir "$tmp/nothing" $bad
  expect_one_error_line
done
checks=$((checks + 1))
[[ ! -e $tmp/nothing ]] || fail "a refused devnet command made $tmp/nothing"

expect 0 "$hm" devnet --dir "$dn" --base-port "$base" --exit-when-ready \
  --anchor-window $((2 * interval)) --vdf-iterations 2000
[[ -f $dn/trustchain/admin.apikey ]] || { finish; exit 1; }
contains "$(cat "$dn/trustchain/governance.json")" '"anchor_window": 60'
admin=$(cat "$dn/trustchain/admin.apikey")
# [trustchain] is node.ini's last section. Backups take over 15, 17, 19 blocks after an
# anchor: far more than an evaluation of T = 2000 and its delivery take, even under ASan.
# Blocks every 40 ms when idle and 100 ms view timeouts keep the renewals (and the views a
# stopped leader owns) short.
for i in 0 1 2 3; do
  sed -i -e 's/^min_block_interval_ms = .*/min_block_interval_ms = 40/' \
    -e 's/^base_timeout_ms = .*/base_timeout_ms = 100/' "$dn/node$i/node.ini"
  echo "anchor_grace_blocks = 15" >>"$dn/node$i/node.ini"
done
for i in 0 1 2 3; do start $i; done
wait_healthy 0 1 2 3

# ---- light load across >= 2 renewals: one evaluation per anchor ----
"$hm" loadgen --url "$(api 0),$(api 1),$(api 2),$(api 3)" --key-file "$dn/trustchain/admin.apikey" \
  --csrs 100 --concurrency 4 --rate 5 --duration 6 --json >"$tmp/lg.json" 2>"$tmp/lg.err" &
lg=$!
# Past the start, where each node evaluates the anchor it starts from itself.
s1=$(snap $((2 * interval)) 0 1 2 3)
read -r a1 e1 d1 f1 r1 <<<"$s1"
checks=$((checks + 1))
[[ -n $s1 ]] || fail "the nodes did not agree on an anchor at height >= $((2 * interval))"
s2=$(snap $((${a1:-0} + 2 * interval)) 0 1 2 3)
read -r a2 e2 d2 f2 r2 <<<"$s2"
checks=$((checks + 1))
if [[ -z $s2 ]]; then
  fail "anchors did not advance two renewals past ${a1:-?}"
else
  renewals=$(((a2 - a1) / interval))
  echo "anchors $a1 -> $a2: $renewals renewals, $((e2 - e1)) evaluations, $((d2 - d1)) adoptions"
  checks=$((checks + 3))
  ((e2 - e1 == renewals)) || fail "$((e2 - e1)) VDF evaluations for $renewals anchors, want one each"
  ((d2 - d1 == 3 * renewals)) || fail "$((d2 - d1)) anchors adopted for $renewals, want 3 each"
  ((f2 == f1 && r2 == 0)) || fail "fallbacks $f1 -> $f2, refused $r2: want none"
fi
checks=$((checks + 1))
wait "$lg" || fail "loadgen failed: $(cat "$tmp/lg.err")"
ok=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
print(d['completed'] if d['http_4xx'] + d['http_5xx'] + d['transport_errors'] == 0 else 0)" \
  "$tmp/lg.json" 2>/dev/null)
checks=$((checks + 1))
[[ ${ok:-0} -gt 0 ]] || fail "issuance under load failed: $(cat "$tmp/lg.json")"

checks=$((checks + 1))
curl -s -m 5 "$(api 1)/metrics" >"$tmp/metrics.txt"
promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.out" 2>&1 ||
  fail "promtool: $(cat "$tmp/promtool.out")"
contains "$(cat "$tmp/metrics.txt")" "# TYPE hypermesh_potime_vdf_evaluations_total counter"
# The status has the same counters.
st=$(curl -s -m 5 -H "Authorization: Bearer $admin" "$(api 1)/v1/consensus/status")
pt=$(python3 -c "import json,sys; p=json.loads(sys.argv[1])['potime']
print(p['ready'], p['interval'], p['grace_blocks'], p['vdf_evaluations'] + p['anchors_adopted'] > 0)" \
  "$st" 2>/dev/null)
checks=$((checks + 1))
[[ $pt == "True $interval 15 True" ]] || fail "status potime: $pt from $st"

# ---- the designated evaluator of the next anchor is down: a backup takes over ----
s=$(snap 0 0 1 2 3)
read -r a _ <<<"$s"
down=$((((${a:-0} + interval) / interval) % 4))
{
  kill -9 "${pids[$down]}"
  wait "${pids[$down]}"
} 2>/dev/null
pids[down]=
live=()
for i in 0 1 2 3; do [[ $i != "$down" ]] && live+=("$i"); done
s3=$(snap 0 "${live[@]}")
read -r a3 e3 d3 f3 r3 <<<"$s3"
# The first anchor above what the live nodes use that node$down was to evaluate (the
# next one, unless it made that before it was killed).
target=$((${a3:-0} + interval))
while (((target / interval) % 4 != down)); do target=$((target + interval)); done
s4=$(snap "$target" "${live[@]}")
read -r a4 e4 d4 f4 r4 <<<"$s4"
checks=$((checks + 1))
if [[ -z $s3 || -z $s4 ]]; then
  fail "with node$down down the anchors did not advance past $target ($s3 / $s4)"
  for i in "${live[@]}"; do tail -5 "$dn/node$i/test.log" >&2; done
else
  renewals=$(((a4 - a3) / interval))
  echo "node$down down: anchors $a3 -> $a4: $renewals renewals, $((e4 - e3)) evaluations," \
    "$((f4 - f3)) fallbacks"
  checks=$((checks + 2))
  ((f4 - f3 >= 1)) || fail "no fallback evaluation with node$down (designated for $target) down"
  # Backups are staggered by a few blocks; on a loaded machine a second backup may start
  # before the first one's anchor arrives. Extra evaluations can only be such fallbacks.
  ((e4 - e3 >= renewals && e4 - e3 - renewals <= f4 - f3 - 1)) ||
    fail "$((e4 - e3)) VDF evaluations for $renewals anchors with $((f4 - f3)) fallbacks"
  grep -q "PoTime anchor late; evaluating it here.*height=$target" "$dn"/node*/test.log ||
    fail "no node logged the fallback for anchor $target"
fi

# Issuance goes on with the anchors the backups made.
openssl req -new -newkey ed25519 -nodes -keyout "$tmp/late.key" -out "$tmp/late.csr" \
  -subj "/CN=late.example" -addext "subjectAltName=DNS:late.example" 2>/dev/null
python3 -c "import json,sys; print(json.dumps({'csr': open(sys.argv[1]).read(),
  'profile': 'tls-server', 'wait_ms': 20000}))" "$tmp/late.csr" >"$tmp/late.json"
code=$(curl -s -m 30 -o "$tmp/late.out" -w '%{http_code}' -H "Authorization: Bearer $admin" \
  -H 'Content-Type: application/json' --data-binary "@$tmp/late.json" \
  "$(api "${live[0]}")/v1/certificates")
checks=$((checks + 1))
[[ $code == 201 ]] || fail "issue with node$down down: HTTP $code $(cat "$tmp/late.out")"

# ---- a validator sending wrong anchors: refused, logged, and its turns fall back ----
# node$down comes back with a governance file that says T = 2001: every anchor it sends
# carries the wrong T (a real process sending anchors that cannot be accepted).
cp -r "$dn/trustchain" "$dn/trustchain-wrong"
sed -i 's/"vdf_iterations": 2000/"vdf_iterations": 2001/' "$dn/trustchain-wrong/governance.json"
sed -i 's|^genesis_dir = .*|genesis_dir = ../trustchain-wrong|' "$dn/node$down/node.ini"
s5=$(snap 0 "${live[@]}")
read -r a5 e5 d5 f5 r5 <<<"$s5"
start "$down"
# A turn of node$down's at least two anchors on: it has started and caught up by then.
target=$((${a5:-0} + 2 * interval))
while (((target / interval) % 4 != down)); do target=$((target + interval)); done
s6=$(snap "$target" "${live[@]}")
read -r a6 e6 d6 f6 r6 <<<"$s6"
checks=$((checks + 1))
if [[ -z $s5 || -z $s6 ]]; then
  fail "with node$down sending wrong anchors the anchors did not advance past $target"
else
  echo "node$down sends T = 2001: anchors $a5 -> $a6, $((r6 - r5)) refused," \
    "$((f6 - f5)) fallbacks, $((e6 - e5)) evaluations"
  checks=$((checks + 3))
  ((r6 - r5 >= 1)) || fail "no anchor of node$down refused"
  ((f6 - f5 >= 1)) || fail "node$down's turn did not fall back"
  n6=$(((a6 - a5) / interval))
  ((e6 - e5 >= n6 && e6 - e5 - n6 <= f6 - f5 - 1)) ||
    fail "$((e6 - e5)) evaluations for $n6 anchors with $((f6 - f5)) fallbacks"
  grep -q "refused a PoTime anchor\" from=$down .*reason=\"not the governed number of VDF iterations\"" \
    "$dn"/node*/test.log || fail "no refusal of node$down's anchors logged"
fi

finish
