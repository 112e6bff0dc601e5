#!/bin/bash
# A validator whose STOQ certificate TrustChain revoked is shut out, with
# real processes on loopback (docs/NODE.md §3, "Revoked STOQ certificates"):
#   - node3 gets a new STOQ certificate through the API (a CSR made with its
#     own node key, profile node), restarts with it, and rejoins;
#   - the admin revokes that serial through the API; node3 restarts: every
#     other node refuses its handshake, logging the serial as revoked, and
#     node3 commits nothing more while the other three go on issuing.
source "$(dirname "$0")/../lib/cli.bash"
eval "$(declare -f expect | sed '1s/^expect/cli_expect/')"
expect() { cli_expect "$@"; set +e; }

for tool in curl openssl python3; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed" >&2; exit 77; }
done
source "$(dirname "$0")/../lib/node.bash"

# The API port of node I, from its config (the devnet may have moved the base).
api() { echo "http://127.0.0.1:$(grep -A1 '^\[api\]' "$dn/node$1/node.ini" | sed -n 's/^listen = .*://p')"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

http() { # http METHOD URL [BODY_FILE]: status in $code, body in $body (admin key)
  local args=(-s -m 30 -o "$tmp/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $admin")
  [[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$3")
  : >"$tmp/body"
  code=$(curl "${args[@]}" "$2") || code=000
  body=$(cat "$tmp/body")
}

expect_status() { # expect_status WANT WHAT
  checks=$((checks + 1))
  [[ $code == "$1" ]] || fail "$2: HTTP $code, want $1: $body"
}

height() { # height I: node I's applied height, or -1
  local c
  c=$(curl -s -m 5 -H "Authorization: Bearer $admin" "$(api "$1")/v1/consensus/status") || { echo -1; return; }
  echo "$c" | python3 -c "import json,sys; print(json.load(sys.stdin)['height'])" 2>/dev/null || echo -1
}

wait_for() { # wait_for SECONDS WHAT CMD...: until CMD succeeds
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  checks=$((checks + 1))
  until "$@"; do
    ((SECONDS < deadline)) || { fail "timed out: $what"; return 1; }
    sleep 0.2
  done
}

expect 0 "$hm" devnet --dir "$dn" --base-port "$base" --exit-when-ready
admin=$(cat "$dn/trustchain/admin.apikey")
for i in 0 1 2 3; do start $i; done
healthy() { http GET "$(api "$1")/v1/health"; [[ $code == 200 ]]; }
for i in 0 1 2 3; do wait_for 30 "node$i healthy" healthy $i; done

# ---- node3's key as PKCS#8, a CSR for it, a node certificate through node0's API ----
python3 - "$dn/node3/node.key" "$tmp/node3.pem" <<'PY' || fail "cannot read node3's key"
import base64, sys
raw = open(sys.argv[1], "rb").read()
assert raw[:4] == b"HMKS", "not a keystore"
at = 8
pk_len = int.from_bytes(raw[at:at + 2], "big"); at += 2 + pk_len
sk_len = int.from_bytes(raw[at:at + 2], "big"); at += 2
seed = raw[at:at + 32]
assert sk_len >= 32
der = bytes.fromhex("302e020100300506032b657004220420") + seed
pem = "-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PRIVATE KEY-----\n"
open(sys.argv[2], "w").write(pem)
PY
expect 0 openssl req -new -key "$tmp/node3.pem" -out "$tmp/node3.csr" -subj /CN=node3 \
  -addext subjectAltName=DNS:node3.devnet.hypermesh.test
python3 -c "import json,sys; print(json.dumps({'csr': open(sys.argv[1]).read(),
  'profile': 'node', 'wait_ms': 20000}))" "$tmp/node3.csr" >"$tmp/issue.json"
http POST "$(api 0)/v1/certificates" "$tmp/issue.json"
expect_status 201 "node certificate for node3's key"
echo "$body" >"$tmp/issued.json"
serial=$(json 'd["serial"]' <"$tmp/issued.json")
{ json 'd["certificate"]' <"$tmp/issued.json"; json 'd["chain"][0]' <"$tmp/issued.json"; } \
  >"$tmp/stoq.crt"

# ---- node3 restarts presenting it and rejoins ----
kill -9 "${pids[3]}"; wait "${pids[3]}" 2>/dev/null
cp "$tmp/stoq.crt" "$dn/node3/stoq.crt"
start 3
h0=$(height 0)
caught_up() { (($(height 3) > h0)); }
wait_for 30 "node3 commits with its API-issued certificate" caught_up

# ---- revoked through the API; node3 restarts and is refused ----
echo '{"reason": 1, "wait_ms": 20000}' >"$tmp/revoke.json"
http POST "$(api 1)/v1/certificates/$serial/revoke" "$tmp/revoke.json"
expect_status 200 "revoke node3's STOQ certificate"
http GET "$(api 2)/v1/certificates/$serial"
contains "$(echo "$body" | json 'd["status"]')" revoked
kill -9 "${pids[3]}"; wait "${pids[3]}" 2>/dev/null
start 3
refused() {
  grep -q "STOQ peer certificate revoked in TrustChain state.*serial=$serial" \
    "$dn/node$1/test.log"
}
for i in 0 1 2; do wait_for 20 "node$i refuses node3 as revoked" refused $i; done
h3=$(height 3)

# ---- the other three still issue; node3 commits nothing more ----
csr_json() {
  openssl req -new -newkey ed25519 -nodes -keyout "$tmp/$1.key" -out "$tmp/$1.csr" \
    -subj "/CN=$1" -addext "subjectAltName=DNS:$1" 2>"$tmp/openssl.err" || fail "openssl: $(cat "$tmp/openssl.err")"
  python3 -c "import json,sys; print(json.dumps({'csr': open(sys.argv[1]).read(),
    'profile': 'tls-server', 'wait_ms': 20000}))" "$tmp/$1.csr" >"$tmp/$1.json"
}
csr_json after.example
http POST "$(api 1)/v1/certificates" "$tmp/after.example.json"
expect_status 201 "issuance with three validators"
checks=$((checks + 1))
(($(height 3) <= h3)) || fail "node3 committed after its certificate was revoked"
checks=$((checks + 1))
grep -q '"peer certificate revoked".*depth=0' "$dn/node0/test.log" ||
  grep -q 'msg="peer certificate revoked" depth=0' "$dn/node0/test.log" ||
  fail "STOQ's own refusal line (depth 0) is missing from node0's log"

finish
