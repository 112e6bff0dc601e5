#!/usr/bin/env bash
# `hypermesh vdf eval|verify`: exit codes (0 valid, 2 invalid or malformed proof,
# 1 usage error), one-line errors that say why, and the proof file.
source "$(dirname "$0")/../lib/cli.bash"

p="$tmp/proof.bin"
expect 0 "$hm" vdf eval --input 00ff --iterations 2000 --out "$p"
contains "$out" "output: "
[[ $(stat -c %s "$p") -eq 258 ]] || fail "proof is $(stat -c %s "$p") bytes, want 258"
eval_output=$(printf '%s\n' "$out" | grep '^output: ')

expect 0 "$hm" vdf verify --input 00FF --iterations 2000 --proof "$p"
contains "$out" "valid: 2000 iterations"
contains "$out" "$eval_output"

# Wrong statement: T +- 1, another input.
for t in 1999 2001; do
  expect 2 "$hm" vdf verify --input 00ff --iterations $t --proof "$p"
  expect_one_error_line
  contains "$err" "does not verify"
done
expect 2 "$hm" vdf verify --input 01ff --iterations 2000 --proof "$p"
expect_one_error_line

# Malformed proofs: truncated, trailing byte, empty, a flipped byte, all zero.
head -c 257 "$p" >"$tmp/short"
expect 2 "$hm" vdf verify --input 00ff --iterations 2000 --proof "$tmp/short"
expect_one_error_line
contains "$err" "too short"
{ cat "$p"; printf 'x'; } >"$tmp/long"
expect 2 "$hm" vdf verify --input 00ff --iterations 2000 --proof "$tmp/long"
contains "$err" "too long"
{ cat "$p"; head -c 5000 /dev/zero; } >"$tmp/huge"
expect 2 "$hm" vdf verify --input 00ff --iterations 2000 --proof "$tmp/huge"
contains "$err" "too long"
: >"$tmp/empty"
expect 2 "$hm" vdf verify --input 00ff --iterations 2000 --proof "$tmp/empty"
head -c 258 /dev/zero >"$tmp/zero"
expect 2 "$hm" vdf verify --input 00ff --iterations 2000 --proof "$tmp/zero"
contains "$err" "malformed"
for pos in 0 63 64 100 128 129 200 257; do
  cp "$p" "$tmp/flip"
  byte=$(od -An -tu1 -j$pos -N1 "$p" | tr -d ' ')
  printf "$(printf '\\%03o' $(( byte ^ 4 )))" | dd of="$tmp/flip" bs=1 seek=$pos conv=notrunc status=none
  expect 2 "$hm" vdf verify --input 00ff --iterations 2000 --proof "$tmp/flip"
  expect_one_error_line
done

# Usage errors: bad hex, T = 0, T absurd, T not a number, missing file or options.
expect 1 "$hm" vdf verify --input 0g --iterations 2000 --proof "$p"
expect_one_error_line
expect 1 "$hm" vdf verify --input 123 --iterations 2000 --proof "$p"
expect 1 "$hm" vdf verify --input 00ff --iterations 0 --proof "$p"
expect_one_error_line
expect 1 "$hm" vdf verify --input 00ff --iterations 99999999999999999999999 --proof "$p"
expect 1 "$hm" vdf verify --input 00ff --iterations 2000000000000 --proof "$p"
expect 1 "$hm" vdf verify --input 00ff --iterations -5 --proof "$p"
expect 1 "$hm" vdf verify --input 00ff --iterations 12x --proof "$p"
expect 1 "$hm" vdf verify --input 00ff --iterations 2000 --proof "$tmp/nonexistent"
expect_one_error_line
expect 1 "$hm" vdf verify --input 00ff --iterations 2000
expect 1 "$hm" vdf verify --iterations 2000 --proof "$p"
expect 1 "$hm" vdf eval --input 00ff --iterations 10
expect 1 "$hm" vdf eval --input 00ff --iterations 0 --out "$tmp/x"
[[ ! -e "$tmp/x" ]] || fail "a refused eval wrote its output file"
expect 1 "$hm" vdf frobnicate
expect 1 "$hm" vdf verify --input 00ff --iterations 2000 --proof "$p" extra
expect 0 "$hm" vdf --help
contains "$out" "vdf eval"

# An unwritable output is a runtime failure.
expect 2 "$hm" vdf eval --input 00 --iterations 5 --out "$tmp/no/such/dir/p"
expect_one_error_line

# --progress reports on stderr; an empty input is allowed.
expect 0 "$hm" vdf eval --input '' --iterations 70000 --out "$tmp/p2" --progress
contains "$err" "70000/70000"
expect 0 "$hm" vdf verify --input '' --iterations 70000 --proof "$tmp/p2"

finish
