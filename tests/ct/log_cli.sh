# `hypermesh ct append|sth|proof|verify-proof`: leaves appended from files in
# batches, the tree head (signed with a key), inclusion and consistency
# proofs printed and checked again, and forged proofs refused.
# Run as: bash log_cli.sh BUILD_BIN_DIR
source "$(dirname "$0")/../lib/cli.bash"

d=$tmp/log
for i in $(seq 0 12); do printf 'leaf %d\n' $i >"$tmp/l$i"; done
expect 0 "$hm" ct append --dir "$d" "$tmp/l0" "$tmp/l1" "$tmp/l2" "$tmp/l3" "$tmp/l4"
contains "$out" "tree size 5"
expect 0 "$hm" ct sth --dir "$d" --json
old_root=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["root"])' "$out")
expect 0 "$hm" ct append --dir "$d" $(for i in $(seq 5 12); do echo "$tmp/l$i"; done)
contains "$out" "at 5..12; tree size 13"
expect 0 "$hm" ct sth --dir "$d"
contains "$out" "tree_size 13"
root=$(sed -n 's/^root //p' <<<"$out")
checks=$((checks + 1))
[[ "$out" != *"sth "* ]] || fail "an unkeyed log printed a signed tree head"

# a signed tree head with a log key (a genesis log.key)
expect 0 "$hm" ca init --dir "$tmp/g" --validators 1
expect 0 "$hm" ct sth --dir "$d" --key "$tmp/g/log.key" --json
contains "$out" '"sth":"000000000000000d'
expect 2 "$hm" ct sth --dir "$d" --key "$tmp/l0"
contains "$err" "not a log key"

# inclusion proofs for every leaf verify, bound to the leaf and to the root
for i in 0 4 7 12; do
  expect 0 "$hm" ct proof --dir "$d" --inclusion $i
  printf '%s\n' "$out" >"$tmp/p$i.txt"
  expect 0 "$hm" ct verify-proof "$tmp/p$i.txt" --leaf "$tmp/l$i" --root "$root"
  contains "$out" "valid inclusion proof of leaf $i in the tree of size 13"
done
expect 2 "$hm" ct verify-proof "$tmp/p4.txt" --leaf "$tmp/l5"
contains "$err" "another leaf"
expect 2 "$hm" ct verify-proof "$tmp/p4.txt" --root "$old_root"
expect 0 "$hm" ct verify-proof "$tmp/p4.txt" --root "$root" --size 13
expect 2 "$hm" ct verify-proof "$tmp/p4.txt" --root "$root" --size 14
contains "$err" "not 14"
# an inclusion proof in an older tree, as JSON
expect 0 "$hm" ct proof --dir "$d" --inclusion 2 --size 5 --json
printf '%s\n' "$out" >"$tmp/p2.json"
expect 0 "$hm" ct verify-proof "$tmp/p2.json" --root "$old_root" --leaf "$tmp/l2"
# consistency, text and JSON
expect 0 "$hm" ct proof --dir "$d" --consistency 5 13
printf '%s\n' "$out" >"$tmp/c.txt"
contains "$out" "old_root $old_root"
expect 0 "$hm" ct verify-proof "$tmp/c.txt" --root "$root"
contains "$out" "valid consistency proof from size 5 to 13"
expect 0 "$hm" ct proof --dir "$d" --consistency 5 13 --json
printf '%s\n' "$out" >"$tmp/c.json"
expect 0 "$hm" ct verify-proof "$tmp/c.json"

# forgeries: one flipped hex digit in any hash line, text or JSON, is refused
flip() { # FILE LINE: flips the last hex digit of line LINE
  awk -v n="$2" 'NR==n { c=substr($0,length($0),1); sub(/.$/, (c=="0")?"1":"0") } { print }' "$1"
}
for line in 5 6 7 8; do
  flip "$tmp/p7.txt" $line >"$tmp/forged.txt"
  expect 2 "$hm" ct verify-proof "$tmp/forged.txt"
  expect_one_error_line
done
for line in 5 6 7 8 9; do
  flip "$tmp/c.txt" $line >"$tmp/forged.txt"
  expect 2 "$hm" ct verify-proof "$tmp/forged.txt"
done
sed 's/"old_size":5/"old_size":6/' "$tmp/c.json" >"$tmp/forged.json"
expect 2 "$hm" ct verify-proof "$tmp/forged.json"
sed 's/leaf_index 7/leaf_index 6/' "$tmp/p7.txt" >"$tmp/forged.txt"
expect 2 "$hm" ct verify-proof "$tmp/forged.txt"
# a size of the same shape still computes the root: --size (from the STH) catches it
sed 's/tree_size 13/tree_size 14/' "$tmp/p0.txt" >"$tmp/forged.txt"
expect 2 "$hm" ct verify-proof "$tmp/forged.txt" --root "$root" --size 13
# malformed proofs: a clear error, exit 2
printf 'hypermesh-ct-proof v1\ntype inclusion\n' >"$tmp/short.txt"
expect 2 "$hm" ct verify-proof "$tmp/short.txt"
contains "$err" "not a CT proof"
sed 's/^tree_size 13/tree_size 013/' "$tmp/p7.txt" >"$tmp/bad.txt"
expect 2 "$hm" ct verify-proof "$tmp/bad.txt"
head -c -1 "$tmp/p7.txt" >"$tmp/bad.txt" # no final newline
expect 2 "$hm" ct verify-proof "$tmp/bad.txt"
echo '{"type":"inclusion"}' >"$tmp/bad.json"
expect 2 "$hm" ct verify-proof "$tmp/bad.json"
expect 2 "$hm" ct verify-proof "$tmp/missing.txt"

# append is all or nothing; a node's (TrustChain's) log is refused
expect 2 "$hm" ct append --dir "$d" "$tmp/l0" "$tmp/missing"
expect 0 "$hm" ct sth --dir "$d"
contains "$out" "tree_size 13"
mkdir -p "$tmp/node/state"
expect 2 "$hm" ct append --dir "$tmp/node" "$tmp/l0"
contains "$err" "TrustChain state"

# usage errors (exit 1) and runtime errors (exit 2)
expect 1 "$hm" ct append --dir "$d"
expect 1 "$hm" ct append "$tmp/l0"
expect 1 "$hm" ct proof --dir "$d"
expect 1 "$hm" ct proof --dir "$d" --inclusion 1 --consistency 1 2
expect 1 "$hm" ct proof --dir "$d" --consistency 5
expect 1 "$hm" ct proof --dir "$d" --consistency 6 5
expect 1 "$hm" ct proof --dir "$d" --inclusion -1
expect 2 "$hm" ct proof --dir "$d" --inclusion 13
expect 2 "$hm" ct proof --dir "$d" --inclusion 1 --size 14
expect 2 "$hm" ct proof --dir "$d" --consistency 5 14
expect 2 "$hm" ct sth --dir "$tmp/nolog"
expect 1 "$hm" ct verify-proof
expect 1 "$hm" ct verify-proof "$tmp/c.txt" --root xyz

finish
