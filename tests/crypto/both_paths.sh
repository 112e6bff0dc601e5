#!/usr/bin/env bash
# Every official SHA-3, ML-KEM and ML-DSA vector file through both
# implementations: the portable path forced with HM_CRYPTO_NO_AVX2=1, and the
# default choice (AVX2 where the CPU has it). Each line must show cases run
# and none failed.
set -e
source "$(dirname "$0")/../lib/cli.bash"
vec=${HM_VECTORS:-}
[[ -d "$vec" ]] || { echo "skipped: no test vectors at '$vec' (../shared/vectors)" >&2; exit 77; }

for mode in 1 0; do
  for family in sha3 ml-kem ml-dsa; do
    mapfile -t files < <(find "$vec/$family" -type f -name '*.json' | sort)
    [[ ${#files[@]} -gt 0 ]] || { fail "no $family vector files"; continue; }
    expect 0 env HM_CRYPTO_NO_AVX2=$mode "$hm" crypto selftest "${files[@]}"
    while IFS= read -r line; do
      [[ "$line" =~ :\ [1-9][0-9]*\ passed,\ 0\ failed ]] || fail "HM_CRYPTO_NO_AVX2=$mode $family: $line"
    done <<<"$out"
  done
  expect 0 env HM_CRYPTO_NO_AVX2=$mode "$hm" crypto selftest
  [[ "$out" =~ total:\ [1-9][0-9]*\ passed,\ 0\ failed ]] || fail "built-in, HM_CRYPTO_NO_AVX2=$mode: $out"
done

# --portable does what the environment variable does.
mapfile -t files < <(find "$vec/ml-kem" -type f -name '*.json' | sort)
expect 0 env HM_CRYPTO_NO_AVX2=0 "$hm" crypto selftest --portable "${files[@]}"
contains "$out" "total: "
[[ "$out" =~ total:\ [1-9][0-9]*\ passed,\ 0\ failed ]] || fail "--portable: $out"
expect 1 "$hm" crypto selftest --portable=yes

finish
