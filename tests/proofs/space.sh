#!/usr/bin/env bash
# hypermesh space: plot, info, prove, verify; refusals of bad input and missing data.
set -e
source "$(dirname "$0")/../lib/cli.bash"
d="$tmp/plot"
mkdir "$d"
id=$(printf '11%.0s' {1..32})
anchor=$(printf 'ab%.0s' {1..32})
digest=$(printf 'cd%.0s' {1..32})

expect 0 "$hm" space --help
contains "$out" "space plot --size SIZE"
expect 0 "$hm" space plot --help

# Usage errors: exit 1, one line.
expect 1 "$hm" space plot --dir "$d" --key-id "$id"
expect_one_error_line
expect 1 "$hm" space plot --size 3MiB --dir "$d" --key-id "$id"
expect_one_error_line
contains "$err" "invalid --size"
expect 1 "$hm" space plot --size 1MiB --dir "$d"
expect 1 "$hm" space plot --size 1MiB --dir "$d" --key-id zz
expect 1 "$hm" space frobnicate
expect 1 "$hm" space prove --dir "$d" --anchor "$anchor"

# A 1 MiB plot with a progress bar on stderr.
expect 0 "$hm" space plot --size 1MiB --dir "$d" --key-id "$id"
contains "$out" "key_id:  $id"
contains "$out" "labels:  32768 (2^15)"
contains "$err" "plotting ["
contains "$err" "100%"
root=$(sed -n 's/^root: *//p' <<<"$out")
[[ ${#root} -eq 64 ]] || fail "no root in: $out"
[[ $(stat -c %s "$d/plot.labels") -eq 1048576 ]] || fail "labels file size"

# The same commitment from info; no second plot in the same place.
expect 0 "$hm" space info --dir "$d"
contains "$out" "root:    $root"
expect 2 "$hm" space plot --size 1MiB --dir "$d" --key-id "$id"
expect_one_error_line
contains "$err" "already holds a plot"
expect 2 "$hm" space plot --size 1MiB --dir "$tmp/none" --key-id "$id"
contains "$err" "does not exist"

# A key from a keystore.
expect 0 "$hm" keygen --out "$tmp/node.key"
node_id=$(sed -n 's/^node_id: *//p' <<<"$out")
mkdir "$tmp/k"
expect 0 "$hm" space plot --size 32KiB --dir "$tmp/k" --key "$tmp/node.key"
contains "$out" "key_id:  $node_id"

# Prove and verify; another digest's challenges refuse the proof.
expect 0 "$hm" space prove --dir "$d" --anchor "$anchor" --digest "$digest"
printf '%s\n' "$out" >"$tmp/proof.hex"
expect 0 "$hm" space verify --dir "$d" --anchor "$anchor" --digest "$digest" --proof "$tmp/proof.hex"
contains "$out" "valid"
expect 2 "$hm" space verify --dir "$d" --anchor "$anchor" --digest "$anchor" --proof "$tmp/proof.hex"
expect_one_error_line
contains "$err" "proof refused"
# A proof against another plot's commitment.
expect 2 "$hm" space verify --dir "$tmp/k" --anchor "$anchor" --digest "$digest" --proof "$tmp/proof.hex"
# Garbage and truncated proofs.
echo "nothex" >"$tmp/bad.hex"
expect 2 "$hm" space verify --dir "$d" --anchor "$anchor" --digest "$digest" --proof "$tmp/bad.hex"
head -c 1000 "$tmp/proof.hex" >"$tmp/short.hex"
expect 2 "$hm" space verify --dir "$d" --anchor "$anchor" --digest "$digest" --proof "$tmp/short.hex"

# Missing plot data: the prover fails clearly.
rm "$d/plot.labels"
expect 2 "$hm" space prove --dir "$d" --anchor "$anchor" --digest "$digest"
expect_one_error_line
contains "$err" "damaged or its data files are missing"
rm "$d/plot.meta"
expect 2 "$hm" space info --dir "$d"
contains "$err" "no complete plot"

# Damaged labels (right size, wrong content) are reported, not proven from.
mkdir "$tmp/z"
expect 0 "$hm" space plot --size 32KiB --dir "$tmp/z" --key-id "$id"
head -c 32768 /dev/zero >"$tmp/z/plot.labels"
expect 2 "$hm" space prove --dir "$tmp/z" --anchor "$anchor" --digest "$digest"
contains "$err" "plot data damaged"

finish
