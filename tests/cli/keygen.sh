#!/usr/bin/env bash
# hypermesh keygen: writing, showing, refusing to overwrite, corrupt keystores.
set -e
source "$(dirname "$0")/../lib/cli.bash"
k="$tmp/node.key"

expect 0 "$hm" keygen --out "$k"
contains "$out" "algorithm:  ed25519"
pk=$(sed -n 's/^public_key: //p' <<<"$out")
id=$(sed -n 's/^node_id:    //p' <<<"$out")
[[ ${#pk} -eq 64 && ${#id} -eq 64 ]] || fail "bad key/id lengths: $pk $id"
[[ $(stat -c %a "$k") == 600 ]] || fail "mode is $(stat -c %a "$k"), want 600"
# node id = SHA-256 of the raw public key
[[ $(xxd -r -p <<<"$pk" | sha256sum | cut -d' ' -f1) == "$id" ]] || fail "node id is not sha256(pk)"

expect 0 "$hm" keygen --show "$k"
contains "$out" "public_key: $pk"
contains "$out" "node_id:    $id"

# No overwrite without --force; the file is unchanged.
before=$(sha256sum "$k")
expect 2 "$hm" keygen --out "$k"
expect_one_error_line
contains "$err" "already exists"
[[ $(sha256sum "$k") == "$before" ]] || fail "refused keygen changed the file"
expect 0 "$hm" keygen --out "$k" --force
[[ $(sha256sum "$k") != "$before" ]] || fail "--force did not replace the file"
[[ $(stat -c %a "$k") == 600 ]] || fail "mode after --force is $(stat -c %a "$k")"
[[ -z $(find "$tmp" -name '*.tmp-*') ]] || fail "temporary file left behind"

# Corrupt, truncated, empty, missing, unreadable, directory: one line, exit 2.
cp "$k" "$tmp/flip"; printf '\x01' | dd of="$tmp/flip" bs=1 seek=50 conv=notrunc status=none
head -c 60 "$k" >"$tmp/short"
: >"$tmp/empty"
printf 'HMKS\0\1\0\1' >"$tmp/header"
for f in flip short empty header missing; do
  expect 2 "$hm" keygen --show "$tmp/$f"
  expect_one_error_line
done
contains "$err" "not found"
expect 2 "$hm" keygen --show "$tmp"
expect_one_error_line
expect 2 "$hm" keygen --out "$tmp/no/such/dir/k"
expect_one_error_line

# Usage errors: exit 1, one line.
expect 1 "$hm" keygen
expect_one_error_line
expect 1 "$hm" keygen --out "$k" --show "$k"
expect_one_error_line
expect 1 "$hm" keygen --show "$k" --force
expect_one_error_line
expect 1 "$hm" keygen --out
expect_one_error_line
expect 1 "$hm" keygen --out ""
expect_one_error_line
expect 1 "$hm" keygen --out "$k" extra
expect_one_error_line
expect 1 "$hm" keygen --frobnicate
expect_one_error_line
expect 1 "$hm" keygen --log-level loud --show "$k"
expect_one_error_line
expect 0 "$hm" keygen --help
contains "$out" "usage: hypermesh keygen"

finish
