# `hypermesh apikey create|list|revoke` on the TrustChain state of a data
# directory: the key is printed once, list never shows a secret or a hash,
# revocation is recorded, and bad input is refused without changes.
# Run as: bash apikey.sh BUILD_BIN_DIR
source "$(dirname "$0")/../lib/cli.bash"

g=$tmp/g
expect 0 "$hm" ca init --dir "$g" --validators 1
admin_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin"]["id"])' "$g/genesis.json")
admin_hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin"]["hash"])' "$g/genesis.json")

# listing needs state; it never creates it
expect 2 "$hm" apikey list --dir "$g"
contains "$err" "no TrustChain state"
checks=$((checks + 1))
[[ ! -e "$g/state" ]] || fail "list created state"

expect 0 "$hm" apikey create --dir "$g" --role issuer --name "ci bot"
key=$(sed -n 's/^key //p' <<<"$out")
id=$(sed -n 's/^id //p' <<<"$out")
checks=$((checks + 1))
[[ $key =~ ^hmk_[0-9a-f]{64}$ && $id =~ ^[0-9a-f]{32}$ ]] || fail "create output: $out"
expect 0 "$hm" apikey create --dir "$g" --role auditor --json
contains "$out" '"role":"auditor"'
expect 0 "$hm" apikey list --dir "$g"
contains "$out" "$admin_id"
contains "$out" "genesis admin"
contains "$out" "$id"
contains "$out" "ci bot"
contains "$out" "issuer"
checks=$((checks + 1))
[[ $out != *"${key#hmk_}"* && $out != *"$admin_hash"* ]] || fail "list shows a secret or hash"
expect 0 "$hm" apikey list --dir "$g" --json
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert len(d)==3 and all(set(k)=={"id","role","name","created","revoked"} for k in d)' "$out" || fail "list --json: $out"
checks=$((checks + 1))

expect 0 "$hm" apikey revoke --dir "$g" --id "$id"
expect 2 "$hm" apikey revoke --dir "$g" --id "$id"
contains "$err" "already revoked"
expect 2 "$hm" apikey revoke --dir "$g" --id 00000000000000000000000000000000
contains "$err" "no such key"
expect 0 "$hm" apikey list --dir "$g" --json
python3 -c 'import json,sys; d={k["id"]:k for k in json.loads(sys.argv[1])}; k=d[sys.argv[2]]; assert k["revoked"] and k["name"]=="ci bot"' "$out" "$id" || fail "revoked key: $out"
checks=$((checks + 1))

# the genesis admin revokes itself: afterwards no key can be managed
expect 0 "$hm" apikey revoke --dir "$g" --id "$admin_id"
expect 2 "$hm" apikey create --dir "$g" --role admin
contains "$err" "may not manage keys"

# usage errors (exit 1) change nothing
expect 0 "$hm" apikey list --dir "$g"
before=$out
expect 1 "$hm" apikey create --dir "$g"
expect 1 "$hm" apikey create --dir "$g" --role root
expect 1 "$hm" apikey create --dir "$g" --role admin --name "$(printf 'x%.0s' {1..65})"
expect 1 "$hm" apikey create --role admin
expect 1 "$hm" apikey revoke --dir "$g" --id zz
expect 1 "$hm" apikey revoke --dir "$g"
expect 1 "$hm" apikey list --dir "$g" extra
expect 1 "$hm" apikey
expect 1 "$hm" apikey frobnicate
expect 0 "$hm" apikey list --dir "$g"
checks=$((checks + 1))
[[ "$out" == "$before" ]] || fail "a refused command changed the keys"
# another genesis's state is refused
expect 0 "$hm" ca init --dir "$tmp/g2" --validators 1
expect 2 "$hm" apikey list --dir "$g" --genesis "$tmp/g2"
contains "$err" "another genesis"
expect 0 "$hm" apikey --help
contains "$out" "usage: hypermesh apikey"

finish
