#!/usr/bin/env bash
# Constant time of ML-KEM and ML-DSA (portable and AVX2 kernels), checked with valgrind's memcheck in the
# style of Monocypher's ctgrind: test_ctgrind marks every secret input as
# uninitialised, so any branch or memory index computed from a secret that the
# code did not declassify on purpose (src/crypto/ct_check.h) is reported, and
# --error-exitcode turns a report into a failure. Two deliberately leaky runs
# (a secret branch, a secret table index) must be reported: they prove that
# the check can fail on this build.
set -e
source "$(dirname "$0")/../lib/cli.bash"
prog="$bin/../tests/ctgrind_test_ctgrind"

command -v valgrind >/dev/null 2>&1 ||
  { echo "skipped: valgrind is not installed" >&2; exit 77; }
[[ -x "$prog" ]] || { echo "FAIL: $prog not built" >&2; exit 1; }
# valgrind cannot run sanitizer builds (ASan/MSan/TSan map shadow memory it refuses).
if nm "$prog" 2>/dev/null | grep -qE '__(asan|msan|tsan)_init'; then
  echo "skipped: $prog is a sanitizer build, which valgrind cannot run" >&2
  exit 77
fi

# valgrind 3.19 cannot read the DWARF 5 that clang 14 writes and gives up;
# a copy without debug information still names functions in its reports.
if readelf -p .comment "$prog" 2>/dev/null | grep -q clang; then
  objcopy --strip-debug "$prog" "$tmp/ctgrind" || { echo "FAIL: objcopy $prog" >&2; exit 1; }
  prog="$tmp/ctgrind"
fi

vg=(valgrind --error-exitcode=99 --errors-for-leak-kinds=none -q)

# The real check: no report at all, and every functional check passed, on
# the portable kernels and on the AVX2 ones (valgrind runs AVX2 code) where
# the CPU has them.
expect 0 env HM_CRYPTO_NO_AVX2=1 "${vg[@]}" "$prog"
contains "$out" "implementation: portable"
contains "$out" " passed, 0 failed"
[[ -z "$err" ]] || { fail "valgrind reported (portable):"; printf '%s\n' "$err" | head -n 60 >&2; }
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  expect 0 env HM_CRYPTO_NO_AVX2=0 "${vg[@]}" "$prog"
  contains "$out" "implementation: avx2"
  contains "$out" " passed, 0 failed"
  [[ -z "$err" ]] || { fail "valgrind reported (avx2):"; printf '%s\n' "$err" | head -n 60 >&2; }
fi

# The check can fail: both kinds of leak are reported as uses of uninitialised values.
expect 99 "${vg[@]}" "$prog" --self-check branch
contains "$err" "Conditional jump or move depends on uninitialised value"
expect 99 "${vg[@]}" "$prog" --self-check index
contains "$err" "Use of uninitialised value"
# ... and without valgrind the leaky function is just a function.
expect 0 "$prog" --self-check branch
expect 1 "$prog" --self-check nosuchkind

finish
