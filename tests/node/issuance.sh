#!/bin/bash
# End to end: TrustChain issues certificates through HyperMesh consensus
# across 4 real validator processes on loopback (docs/API.md).
#   - a CSR posted to node0's API comes back as a certificate once committed;
#     node2 serves the same certificate; certtool and openssl verify its chain;
#     its CT inclusion proof recomputes the tree head node0 reports;
#   - kill -9 of one node (f = 1): issuance goes on; restarted, the node
#     catches up and serves the same CT tree head;
#   - bad input on the endpoints: 4xx with a JSON error, nothing committed;
#   - /metrics passes promtool.
source "$(dirname "$0")/../lib/cli.bash"
# This script checks every status itself: keep going after a failing command.
eval "$(declare -f expect | sed '1s/^expect/cli_expect/')"
expect() { cli_expect "$@"; set +e; }

for tool in curl openssl certtool python3 promtool; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed" >&2; exit 77; }
done

source "$(dirname "$0")/../lib/node.bash"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# http METHOD URL [BODY_FILE] [KEY] -> status in $code, body in $body
http() {
  local args=(-s -m 30 -o "$tmp/body" -w '%{http_code}' -X "$1")
  [[ -n ${4:-} ]] && args+=(-H "Authorization: Bearer $4")
  [[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$3")
  : >"$tmp/body"
  code=$(curl "${args[@]}" "$2") || code=000
  body=$(cat "$tmp/body")
}

expect_status() { # expect_status WANT WHAT
  checks=$((checks + 1))
  [[ $code == "$1" ]] || fail "$2: HTTP $code, want $1: $body"
}

csr_body() { # csr_body NAME FILE
  openssl req -new -newkey ed25519 -nodes -keyout "$tmp/$1.key" -out "$tmp/$1.csr" \
    -subj "/CN=$1" -addext "subjectAltName=DNS:$1" 2>/dev/null
  python3 -c "import json,sys; print(json.dumps({'csr': open(sys.argv[1]).read(),
    'profile': 'tls-server', 'wait_ms': 20000}))" "$tmp/$1.csr" >"$2"
}

tree_size() { # tree_size I -> the CT tree size node I reports, or -1
  http GET "$(api "$1")/v1/ct/sth" "" "$admin"
  [[ $code == 200 ]] || { echo -1; return; }
  echo "$body" | json 'd["tree_size"]'
}

# ---- genesis by the devnet, then the four nodes as our own processes ----
expect 0 "$hm" devnet --dir "$dn" --base-port "$base" --exit-when-ready
[[ -f $dn/trustchain/admin.apikey ]] || { finish; exit 1; }
for i in 0 1 2 3; do start $i; done
admin=$(cat "$dn/trustchain/admin.apikey")
for i in 0 1 2 3; do
  deadline=$((SECONDS + 30))
  while :; do
    http GET "$(api $i)/v1/health"
    [[ $code == 200 ]] && break
    ((SECONDS < deadline)) || { fail "node$i API not healthy: $code $body"; break; }
    sleep 0.3
  done
done

# ---- issue through node0, read from node2, verify the chain ----
csr_body alpha.example "$tmp/alpha.json"
http POST "$(api 0)/v1/certificates" "$tmp/alpha.json" "$admin"
expect_status 201 "issue via node0"
echo "$body" >"$tmp/alpha.resp"
serial=$(json 'd["serial"]' <"$tmp/alpha.resp")
json 'd["certificate"]' <"$tmp/alpha.resp" >"$tmp/alpha.pem"
json '"".join(d["chain"])' <"$tmp/alpha.resp" >"$tmp/chain.pem"
json 'd["chain"][0]' <"$tmp/alpha.resp" >"$tmp/intermediate.pem"
json 'd["chain"][-1]' <"$tmp/alpha.resp" >"$tmp/root.pem"
contains "$(json 'd["status"]' <"$tmp/alpha.resp")" valid

http GET "$(api 2)/v1/certificates/$serial" "" "$admin"
expect_status 200 "fetch from node2"
checks=$((checks + 1))
[[ "$(echo "$body" | json 'd["certificate"]')" == "$(cat "$tmp/alpha.pem")" ]] ||
  fail "node2 serves a different certificate"

cat "$tmp/alpha.pem" "$tmp/chain.pem" >"$tmp/full.pem"
expect 0 certtool --verify-chain --infile "$tmp/full.pem"
# Anchored at the genesis root, not at whatever root the answer carried.
expect 0 openssl verify -CAfile "$dn/trustchain/root.crt" -untrusted "$tmp/intermediate.pem" \
  "$tmp/alpha.pem"

# ---- the CT inclusion proof (RFC 9162 section 2.1.3.2) against node0's entries ----
index=$(json 'd["ct"]["index"]' <"$tmp/alpha.resp")
http GET "$(api 0)/v1/ct/entries?start=$index&end=$index" "" "$admin"
expect_status 200 "ct entries"
echo "$body" >"$tmp/entry.json"
checks=$((checks + 1))
python3 - "$tmp/alpha.resp" "$tmp/entry.json" <<'EOF' || fail "CT inclusion proof does not verify"
import base64, hashlib, json, sys
r = json.load(open(sys.argv[1]))["ct"]
leaf = base64.b64decode(json.load(open(sys.argv[2]))["entries"][0]["leaf_input"])
h = hashlib.sha256(b"\x00" + leaf).digest()
fn, sn = r["index"], r["tree_size"] - 1
for p in r["inclusion_proof"]:
    p = bytes.fromhex(p)
    if sn == 0:
        sys.exit("proof too long")
    if fn & 1 or fn == sn:
        h = hashlib.sha256(b"\x01" + p + h).digest()
        if not fn & 1:
            while fn & 1 == 0 and fn != 0:
                fn >>= 1; sn >>= 1
    else:
        h = hashlib.sha256(b"\x01" + h + p).digest()
    fn >>= 1; sn >>= 1
if sn != 0 or h.hex() != r["root_hash"]:
    sys.exit("root mismatch")
EOF

# ---- C2SP checkpoint and tlog-tiles (public) agree with the log ----
http GET "$(api 1)/ct/checkpoint"
expect_status 200 "checkpoint"
echo "$body" >"$tmp/checkpoint"
http GET "$(api 1)/v1/ct/sth" "" "$admin"
echo "$body" >"$tmp/sth.json"
size=$(sed -n 2p "$tmp/checkpoint")
http GET "$(api 1)/ct/tile/0/000.p/$size"
expect_status 200 "level-0 partial tile"
curl -s -o "$tmp/tile0" "$(api 1)/ct/tile/0/000.p/$size"
curl -s -o "$tmp/bundle0" "$(api 1)/ct/tile/entries/000.p/$size"
checks=$((checks + 1))
python3 - "$tmp/checkpoint" "$tmp/sth.json" "$tmp/tile0" "$tmp/bundle0" <<'EOF2' || fail "checkpoint or tiles disagree with the log"
import base64, hashlib, json, sys
lines = open(sys.argv[1]).read().split("\n")
origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2])
assert origin.startswith("hypermesh/") and lines[3] == "" and lines[4].startswith("\u2014 " + origin + " ")
sth = json.load(open(sys.argv[2]))
assert sth["tree_size"] == size and base64.b64decode(sth["sha256_root_hash"]) == root, "sth"
tile, bundle = open(sys.argv[3], "rb").read(), open(sys.argv[4], "rb").read()
assert len(tile) == 32 * size, "tile width"
leaves, off = [], 0
while off < len(bundle):
    n = int.from_bytes(bundle[off:off + 2], "big"); leaves.append(bundle[off + 2:off + 2 + n]); off += 2 + n
assert len(leaves) == size, "bundle"
hashes = [hashlib.sha256(b"\x00" + l).digest() for l in leaves]
assert b"".join(hashes) == tile, "leaf hashes"
def mth(h):  # RFC 6962 Merkle tree hash from leaf hashes
    if len(h) == 1: return h[0]
    k = 1
    while k * 2 < len(h): k *= 2
    return hashlib.sha256(b"\x01" + mth(h[:k]) + mth(h[k:])).digest()
assert mth(hashes) == root, "root from tiles"
EOF2
http GET "$(api 1)/ct/tile/0/x000.p/1"
expect_status 404 "non-canonical tile path"

# ---- consensus/validate_proofs over HTTP: the committed operation, then forgeries ----
height=$(json 'd["height"]' <"$tmp/alpha.resp")
"$hm" node block --config "$dn/node0/node.ini" --height "$height" >"$tmp/block.json"
python3 - "$tmp/block.json" "$tmp" <<'EOF2'
import base64, json, sys
txs = json.load(open(sys.argv[1]))["txs"]
op = bytes.fromhex(txs[0])
bad = bytearray(op); bad[len(bad) - 200] ^= 0x01   # inside the proofs or signatures
for name, b in (("op", op), ("bad", bytes(bad)), ("garbage", b"\x00\x01garbage")):
    open(f"{sys.argv[2]}/validate_{name}.json", "w").write(
        json.dumps({"operation": base64.b64encode(b).decode()}))
EOF2
http POST "$(api 3)/v1/proofs/validate" "$tmp/validate_op.json" "$admin"
expect_status 200 "validate the committed operation"
contains "$body" '"valid":true'
http POST "$(api 3)/v1/proofs/validate" "$tmp/validate_bad.json" "$admin"
expect_status 200 "validate a tampered operation"
contains "$body" '"valid":false'
contains "$body" '"reason"'
http POST "$(api 3)/v1/proofs/validate" "$tmp/validate_garbage.json" "$admin"
expect_status 400 "validate garbage"

# ---- bad input: 4xx with a JSON error, and nothing committed ----
size_before=$(tree_size 0)
printf '{"csr": ' >"$tmp/malformed.json"
http POST "$(api 0)/v1/certificates" "$tmp/malformed.json" "$admin"
expect_status 400 "malformed JSON"
contains "$body" '"error"'
echo '{"csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"}' >"$tmp/badcsr.json"
http POST "$(api 0)/v1/certificates" "$tmp/badcsr.json" "$admin"
expect_status 400 "bad CSR"
# a well-formed CSR whose self-signature no longer verifies: refused by the one
# CSR check hm_tc_issue makes before signing (the API has no separate one)
csr_body gamma.example "$tmp/gamma.json"
python3 - "$tmp/gamma.json" <<'EOF2'
import base64, json, sys
d = json.load(open(sys.argv[1]))
lines = d["csr"].strip().split("\n")
der = bytearray(base64.b64decode("".join(lines[1:-1])))
der[-1] ^= 0x01  # the last byte of the Ed25519 signature
b64 = base64.b64encode(bytes(der)).decode()
d["csr"] = "\n".join([lines[0]] + [b64[i:i + 64] for i in range(0, len(b64), 64)] +
                     [lines[-1]]) + "\n"
json.dump(d, open(sys.argv[1], "w"))
EOF2
http POST "$(api 0)/v1/certificates" "$tmp/gamma.json" "$admin"
expect_status 400 "CSR with a bad self-signature"
contains "$body" 'bad_csr'
contains "$body" 'the CSR is refused'
echo '{"profile": "tls-server"}' >"$tmp/nocsr.json"
http POST "$(api 0)/v1/certificates" "$tmp/nocsr.json" "$admin"
expect_status 400 "missing csr"
csr_body beta.example "$tmp/beta.json"
http POST "$(api 0)/v1/certificates" "$tmp/beta.json"
expect_status 401 "no API key"
http POST "$(api 0)/v1/certificates" "$tmp/beta.json" "hmk_0000000000000000000000000000000000000000000000000000000000000000"
expect_status 401 "unknown API key"
http POST "$(api 0)/v1/certificates" "$tmp/beta.json" "not-a-key"
expect_status 401 "malformed API key"
head -c 200000 /dev/zero | tr '\0' 'a' | sed 's/^/{"csr": "/; s/$/"}/' >"$tmp/huge.json"
http POST "$(api 0)/v1/certificates" "$tmp/huge.json" "$admin"
expect_status 413 "oversized body"
echo '{"role": "auditor", "label": "e2e"}' >"$tmp/auditor.json"
http POST "$(api 1)/v1/apikeys" "$tmp/auditor.json" "$admin"
expect_status 201 "create an auditor key"
auditor=$(echo "$body" | json 'd["key"]')
# node1 answered once it applied the key's block; other nodes may be a moment behind.
http POST "$(api 1)/v1/certificates" "$tmp/beta.json" "$auditor"
expect_status 403 "auditor may not issue"
http GET "$(api 1)/v1/certificates/$serial" "" "$auditor"
expect_status 200 "auditor may read"
http GET "$(api 0)/v1/certificates/zz" "" "$admin"
expect_status 400 "bad serial"
http GET "$(api 0)/v1/nothing-here" "" "$admin"
expect_status 404 "unknown path"
checks=$((checks + 1))
[[ $(tree_size 0) == "$size_before" ]] || fail "bad requests changed the CT log"

# ---- f = 1: kill node3, issuance goes on; restart, it catches up ----
kill -9 "${pids[3]}"
wait "${pids[3]}" 2>/dev/null || true
pids[3]=
http POST "$(api 1)/v1/certificates" "$tmp/beta.json" "$admin"
expect_status 201 "issue with node3 down"
http POST "$(api 2)/v1/certificates" "$tmp/alpha.json" "$admin"
expect_status 201 "a second issuance with node3 down"
start 3
deadline=$((SECONDS + 60))
while :; do
  want=$(tree_size 1)
  got=$(tree_size 3)
  ((want >= 3)) && [[ $got == "$want" ]] && break
  ((SECONDS < deadline)) || { fail "node3 did not catch up (tree size $got, want $want)"; break; }
  sleep 0.5
done
http GET "$(api 1)/v1/ct/sth" "" "$admin"
root1=$(echo "$body" | json 'd["sha256_root_hash"]')
http GET "$(api 3)/v1/ct/sth" "" "$admin"
root3=$(echo "$body" | json 'd["sha256_root_hash"]')
checks=$((checks + 1))
[[ -n $root1 && $root1 == "$root3" ]] || fail "restarted node3 serves another log root ($root3 vs $root1)"

# ---- metrics ----
curl -s "$(api 2)/metrics" >"$tmp/metrics.txt"
expect 0 promtool check metrics <"$tmp/metrics.txt"
contains "$(cat "$tmp/metrics.txt")" hypermesh_commit_latency_seconds_bucket
checks=$((checks + 1))
awk '$1 == "hypermesh_stoq_sent_bytes_total" && $2 > 0 {ok=1} END {exit !ok}' "$tmp/metrics.txt" ||
  fail "no STOQ bytes counted"
# Every validator signs its operations with one chain: verified once, then found.
checks=$((checks + 1))
awk '$1 == "hypermesh_stake_chain_cache_hits_total" && $2 > 0 {ok=1} END {exit !ok}' \
  "$tmp/metrics.txt" || fail "no operation found its signer's chain in the cache"

# ---- SIGTERM drains and exits 0 ----
for i in 0 1 2 3; do kill -TERM "${pids[$i]}"; done
for i in 0 1 2 3; do
  checks=$((checks + 1))
  wait "${pids[$i]}" || fail "node$i did not exit 0 on SIGTERM"
  pids[$i]=
done

finish
