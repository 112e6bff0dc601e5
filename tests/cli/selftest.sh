#!/usr/bin/env bash
# hypermesh crypto selftest: built-in answers, vector files, and that a wrong
# answer or an unknown file really fails.
set -e
source "$(dirname "$0")/../lib/cli.bash"
vec=${HM_VECTORS:-}
[[ -d "$vec" ]] || { echo "skipped: no test vectors at '$vec' (../shared/vectors)" >&2; exit 77; }

expect 0 "$hm" crypto selftest
contains "$out" "total: "
[[ "$out" =~ total:\ [1-9][0-9]*\ passed,\ 0\ failed ]] || fail "built-in selftest: $out"

# Every vector file of each algorithm family passes, each with at least one
# case run, through one call per family (the ML-DSA sigGen prompt and its
# expectedResults must arrive together).
for family in sha3 ed25519 x25519 ml-kem ml-dsa falcon; do
  mapfile -t files < <(find "$vec/$family" -type f \( -name '*.json' -o -name '*.rsp' \) | sort)
  [[ ${#files[@]} -gt 0 ]] || { fail "no $family vector files"; continue; }
  expect 0 "$hm" crypto selftest "${files[@]}"
  while IFS= read -r line; do
    [[ "$line" =~ :\ [1-9][0-9]*\ passed,\ 0\ failed ]] || fail "$family: $line"
  done <<<"$out"
  contains "$out" "total: "
done

# A wrong expected signature is a failed case and exit 2.
python3 - "$vec/ed25519/rfc8032_section7.1_ed25519.json" "$tmp/bad.json" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))
s = cases[0]["signature"]
cases[0]["signature"] = ("0" if s[0] != "0" else "1") + s[1:]
json.dump(cases, open(sys.argv[2], "w"))
PY
expect 2 "$hm" crypto selftest "$tmp/bad.json"
contains "$out" "1 failed"
expect_one_error_line

# Unrecognised and unreadable files fail too.
echo '{"hello": 1}' >"$tmp/other.json"
expect 2 "$hm" crypto selftest "$tmp/other.json"
contains "$out" "unrecognised vector format"
expect 2 "$hm" crypto selftest "$tmp/missing.json"
contains "$out" "cannot read"

finish
