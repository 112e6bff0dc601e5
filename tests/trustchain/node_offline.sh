#!/bin/bash
# Operator commands on a real node's data directory: an API key made by
# `hypermesh apikey create` while the node is stopped authorises issuance
# once it runs; while it runs, the commands refuse its state and name the
# process; stopped again, `ca revoke` records a revocation that `ca crl`
# lists and `ca verify --crl` enforces. One validator on loopback.
# Run as: bash node_offline.sh BUILD_BIN_DIR
source "$(dirname "$0")/../lib/cli.bash"

for tool in curl openssl python3; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed" >&2; exit 77; }
done

dn=$tmp/dn
base=$((20000 + RANDOM % 12000)) # below the ephemeral ports (32768+)
pid=
cleanup() {
  local rc=$?
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

expect 0 "$hm" devnet --nodes 1 --dir "$dn" --base-port "$base" --exit-when-ready
data=$dn/node0/data
g=$dn/trustchain
[[ -d $data/state ]] || { fail "no node state in $data"; finish; exit 1; }
port=$(sed -n 's/^listen *= *127.0.0.1:\([0-9]*\)$/\1/p' "$dn/node0/node.ini" | tail -1)
api="http://127.0.0.1:$port"

# stopped node: a new issuer key in its state
expect 0 "$hm" apikey create --dir "$data" --genesis "$g" --role issuer --name operator
key=$(sed -n 's/^key //p' <<<"$out")
expect 0 "$hm" apikey list --dir "$data" --genesis "$g"
contains "$out" "operator"

"$hm" node run --config "$dn/node0/node.ini" >>"$dn/node0/test.log" 2>&1 &
pid=$!
deadline=$((SECONDS + 30))
until [[ $(curl -s -o /dev/null -w '%{http_code}' "$api/v1/health") == 200 ]]; do
  ((SECONDS < deadline)) || { fail "node API not healthy"; break; }
  sleep 0.3
done
openssl req -new -newkey ed25519 -nodes -keyout "$tmp/a.key" -out "$tmp/a.csr" \
  -subj "/CN=alpha.example" -addext "subjectAltName=DNS:alpha.example" 2>/dev/null
python3 -c "import json,sys; print(json.dumps({'csr': open(sys.argv[1]).read(),
  'profile': 'tls-server', 'wait_ms': 20000}))" "$tmp/a.csr" >"$tmp/a.json"
code=$(curl -s -m 30 -o "$tmp/a.resp" -w '%{http_code}' -X POST -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' --data-binary "@$tmp/a.json" "$api/v1/certificates")
checks=$((checks + 1))
[[ $code == 201 ]] || fail "issue with the CLI-made key: HTTP $code $(cat "$tmp/a.resp")"
serial=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial"])' "$tmp/a.resp")
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certificate"])' "$tmp/a.resp" >"$tmp/a.pem"

# running node: its CT log can be read (the certificate is leaf 0)
expect 0 "$hm" ct sth --dir "$data" --key "$g/log.key"
contains "$out" "tree_size 1"
root=$(sed -n 's/^root //p' <<<"$out")
expect 0 "$hm" ct proof --dir "$data" --inclusion 0
printf '%s\n' "$out" >"$tmp/p0.txt"
expect 0 "$hm" ct verify-proof "$tmp/p0.txt" --root "$root" --size 1

# running node: its state is refused, with its process id
expect 2 "$hm" apikey create --dir "$data" --genesis "$g" --role auditor
contains "$err" "in use by process $pid"
expect 2 "$hm" ca revoke --dir "$data" --genesis "$g" --serial "$serial"
contains "$err" "in use by process $pid"

kill -TERM "$pid"
wait "$pid" 2>/dev/null
pid=

# stopped again: revoke, CRL, verify
expect 0 "$hm" ca revoke --dir "$data" --genesis "$g" --serial "$serial" --reason superseded
expect 0 "$hm" ca crl --dir "$data" --genesis "$g" --ca 0 --out "$tmp/crl.pem"
expect 0 openssl crl -in "$tmp/crl.pem" -noout -text
contains "$out" "Superseded"
expect 2 "$hm" ca verify --root "$g/root.crt" --crl "$tmp/crl.pem" "$tmp/a.pem" "$g/ca-0.crt"
contains "$err" "revoked (superseded)"

finish
