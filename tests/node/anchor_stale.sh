#!/bin/bash
# A certificate request is never refused at commit because this node's PoTime
# anchor went stale on the way (docs/NODE.md, "PoTime anchors", "Staleness").
# 4 real validator processes on loopback, a governance whose anchor renewal
# cannot keep up with consensus on purpose: anchor window 40 blocks (a renewal
# every 20), T = 150000 squarings (1-2 s here, far longer than 20 blocks take), while
# consensus under load runs at 50-150 blocks/s, so every renewal comes after
# the outgoing anchor's last blocks. Under open-loop light load:
#   - no operation is refused at apply (hypermesh_operations_rejected_total is
#     0 on every node) and the load generator gets no 4xx: before the fix,
#     operations made with the outgoing anchor committed after it left the
#     window and were answered 422 "rejected" (164 of 240 in one run);
#   - the nodes did hit the race and declined instead: the sum of
#     hypermesh_potime_anchor_stale_total is > 0 (those requests got 503 with
#     Retry-After, which a client retries), so the test exercised the case;
#   - certificates keep being issued;
#   - loadgen's per-status report (--json errors_by_status, and on stderr
#     each status's count with its first answer) matches its 4xx/5xx counts,
#     and transport errors (a closed port) are counted with the first one's text.
source "$(dirname "$0")/../lib/cli.bash"
eval "$(declare -f expect | sed '1s/^expect/cli_expect/')"
expect() { cli_expect "$@"; set +e; }

for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed" >&2; exit 77; }
done

source "$(dirname "$0")/../lib/node.bash"
echo "hm_test_key" >"$tmp/nokey"

metric_sum() { # metric_sum NAME -> the sum over the four nodes' /metrics
  local i t=0 v
  for i in 0 1 2 3; do
    v=$(curl -s -m 5 "$(api $i)/metrics" | awk -v m="$1" '$1 == m {printf "%d", $2}')
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

# loadgen's report of transport errors (nothing listens there): the count and the
# first one's text on stderr, exit 2.
"$hm" loadgen --url "http://127.0.0.1:$((base + 99))" --key-file "$tmp/nokey" --csrs 2 \
  --concurrency 3 --duration 1 >"$tmp/lg0.out" 2>"$tmp/lg0.err"
rc=$?
checks=$((checks + 1))
[[ $rc == 2 ]] && grep -q "^hypermesh: loadgen: 3 transport errors, the first: 127.0.0.1:$((base + 99)): " \
  "$tmp/lg0.err" || fail "loadgen against a closed port: exit $rc, $(cat "$tmp/lg0.err")"

expect 0 "$hm" devnet --dir "$dn" --base-port "$base" --exit-when-ready \
  --anchor-window 40 --vdf-iterations 150000
[[ -f $dn/trustchain/admin.apikey ]] || { finish; exit 1; }
for i in 0 1 2 3; do start $i; done
wait_healthy 0 1 2 3

"$hm" loadgen --url "$(api 0),$(api 1),$(api 2),$(api 3)" --key-file "$dn/trustchain/admin.apikey" \
  --csrs 100 --concurrency 16 --rate 40 --duration 5 --json >"$tmp/lg.json" 2>"$tmp/lg.err"
read -r completed c4xx c5xx c503 by_sum <<<"$(python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
e=d.get('errors_by_status', {})
print(d['completed'], d['http_4xx'], d['http_5xx'], e.get('503', 0), sum(e.values()))" \
  "$tmp/lg.json" 2>/dev/null)"
rejected=$(metric_sum hypermesh_operations_rejected_total)
stale=$(metric_sum hypermesh_potime_anchor_stale_total)
echo "issued ${completed:-?}, 4xx ${c4xx:-?}, 5xx ${c5xx:-?}; refused at apply $rejected," \
  "declined for a stale anchor $stale"

checks=$((checks + 1))
((rejected == 0)) || fail "$rejected operations refused at apply: $(grep -h 'operation refused' "$dn"/node*/test.log | head -2)"
checks=$((checks + 1))
[[ ${c4xx:-x} == 0 ]] || fail "loadgen got ${c4xx:-?} 4xx answers: $(cat "$tmp/lg.err")"
checks=$((checks + 1))
((${completed:-0} > 0)) || fail "no certificate issued: $(cat "$tmp/lg.json" "$tmp/lg.err")"
# Without this the run proved nothing: renewals kept up and no anchor neared its end.
checks=$((checks + 1))
((stale > 0)) || fail "no request met an anchor about to go stale: the race was not reached"
checks=$((checks + 1))
grep -q "PoTime anchor about to leave the window" "$dn"/node*/test.log ||
  fail "the stale anchor was not logged"
# loadgen counts every failing status and shows each one's first answer.
checks=$((checks + 1))
[[ ${by_sum:-x} == $((${c4xx:-0} + ${c5xx:-0})) ]] ||
  fail "loadgen's errors_by_status adds up to ${by_sum:-?}, not 4xx + 5xx: $(cat "$tmp/lg.json")"
checks=$((checks + 1))
if ((${c503:-0} > 0)); then
  grep -q "^hypermesh: loadgen: $c503 answers HTTP 503, the first: .*warming_up" "$tmp/lg.err" ||
    fail "loadgen did not report its $c503 answers 503: $(cat "$tmp/lg.err")"
fi

finish
