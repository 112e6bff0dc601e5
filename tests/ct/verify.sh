# `hypermesh ct verify` over every CT Merkle vector file, and over tampered
# copies that must fail. Run as: bash verify.sh BUILD_BIN_DIR
source "$(dirname "$0")/../lib/cli.bash"

vec=${HM_VECTORS:-}/ct-merkle
if [[ -z "${HM_VECTORS:-}" || ! -d "$vec" ]]; then
  echo "skipped: no CT vectors (HM_VECTORS/ct-merkle)" >&2
  exit 77
fi
mapfile -t files < <(find "$vec" -type f -name '*.json' | sort)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "skipped: no .json files under $vec" >&2
  exit 77
fi

# Every file passes, each gets its own line, and a total follows.
expect 0 "$hm" ct verify "${files[@]}"
contains "$out" "total: "
contains "$out" " 0 failed"
checks=$((checks + 1))
[[ $(grep -c ': [0-9]* passed, 0 failed$' <<<"$out") -eq $((${#files[@]} + 1)) ]] ||
  fail "expected ${#files[@]} file lines and a total, got: $out"
checks=$((checks + 1))
grep -q '^total: 0 passed' <<<"$out" && fail "no case ran"

# One file: no total line.
expect 0 "$hm" ct verify "$vec/rfc6962_reference_vectors.json"
checks=$((checks + 1))
[[ "$out" != *total:* ]] || fail "a total for a single file"

# A tampered file must fail (exit 2, the failed count > 0).
tampered() { # NAME SED-SCRIPT SOURCE
  sed -e "$2" "$3" >"$tmp/$1"
  checks=$((checks + 1))
  cmp -s "$3" "$tmp/$1" && fail "tampering $1 changed nothing"
  expect 2 "$hm" ct verify "$tmp/$1"
  checks=$((checks + 1))
  grep -Eq ': [0-9]+ passed, [1-9][0-9]* failed$' <<<"$out" || fail "$1: no failed case: $out"
  expect_one_error_line
}
ref=$vec/rfc6962_reference_vectors.json
derived=$vec/rfc6962_derived_proofs_n1-8.json
probes=$vec/transparency-dev-probes.hex.json
# A root hash changed everywhere it appears (roots, proofs, node hashes).
tampered ref-root.json 's/5dc9da79a70659a9/5dc9da79a70659a8/g' "$ref"
# One leaf changed: every hash and proof built on it must then disagree.
tampered ref-leaf.json '0,/"2021"/s//"2022"/' "$ref"
tampered derived-proof.json '0,/"5f083f0a1a33ca07/s//"5f083f0a1a33ca08/' "$derived"
# A probe that must fail told to succeed, and the other way round.
tampered probes-wanterr1.json '0,/"wantErr": true/s//"wantErr": false/' "$probes"
tampered probes-wanterr2.json '0,/"wantErr": false/s//"wantErr": true/' "$probes"
tampered probes-root.json 's/5dc9da79a70659a9/5dc9da79a70659a8/g' "$probes"
mapfile -t probe_files < <(find "$vec/transparency-dev-testdata" -name '*.json' | sort)
happy=$(grep -l '"wantErr": false' "${probe_files[@]}" | head -1)
tampered probe-happy.json 's/"wantErr": false/"wantErr": true/' "$happy"
neg=$(grep -l '"wantErr": true' "${probe_files[@]}" | head -1)
tampered probe-neg.json 's/"wantErr": true/"wantErr": false/' "$neg"

# A failing file among good ones: the others still run, the total shows the failure.
expect 2 "$hm" ct verify "$ref" "$tmp/ref-root.json"
contains "$out" "$ref: "
contains "$out" "total: "

# Unrecognised and unreadable files.
echo '{"foo": 1}' >"$tmp/other.json"
expect 2 "$hm" ct verify "$tmp/other.json"
expect_one_error_line
contains "$err" "not a CT vector file"
echo 'not json' >"$tmp/text.json"
expect 2 "$hm" ct verify "$tmp/text.json"
expect_one_error_line
expect 2 "$hm" ct verify "$tmp/does-not-exist.json"
expect_one_error_line
# A malformed case counts as failed, whatever wantErr says.
printf '%s' '{"leafIdx": 0, "treeSize": 1, "root": "!!", "leafHash": "",' \
  ' "proof": null, "wantErr": true}' >"$tmp/bad-b64.json"
expect 2 "$hm" ct verify "$tmp/bad-b64.json"
contains "$out" "0 passed, 1 failed"
printf '{"size1": 1, "size2": 1, "root1": "", "root2": "", "proof": [], "wantErr": "yes"}' \
  >"$tmp/bad-wanterr.json"
expect 2 "$hm" ct verify "$tmp/bad-wanterr.json"

# Usage errors.
expect 1 "$hm" ct verify
expect_one_error_line
expect 1 "$hm" ct
expect 1 "$hm" ct frobnicate
expect 1 "$hm" ct verify --bogus "$ref"
expect 0 "$hm" ct --help
contains "$out" "hypermesh ct verify"
expect 0 "$hm" ct verify --help

finish
