#!/usr/bin/env bash
# `hypermesh sim`: runs, is deterministic, refuses bad arguments with exit 1.
set -e
source "$(dirname "$0")/../lib/cli.bash"

expect 0 "$hm" sim --help
contains "$out" "usage: hypermesh sim"

expect 0 "$hm" sim --seed 1 --steps 2000
contains "$out" "seed=1 nodes=4 faults=none steps=2000"
first=$out
expect 0 "$hm" sim --seed 1 --steps 2000
[[ "$out" == "$first" ]] || fail "same seed, different run: $first / $out"
expect 0 "$hm" sim --seed 2 --steps 2000
[[ "$out" != "$first" ]] || fail "different seeds, identical runs"

for f in all crash partition byzantine delay loss dup reorder; do
  expect 0 "$hm" sim --seed 7 --nodes 4 --steps 1500 --faults "$f"
  contains "$out" "faults=$f"
done
expect 0 "$hm" sim --seed 3 --nodes 7 --steps 1500 --faults all
contains "$out" "nodes=7"
expect 0 "$hm" sim --seed 3 --nodes 1 --steps 500
contains "$out" "nodes=1"

# The hybrid policy: same run (decisions do not depend on signature bytes).
# Short runs: ML-DSA-87 is slow in sanitizer builds.
expect 0 "$hm" sim --seed 1 --steps 200
ed=$out
expect 0 "$hm" sim --seed 1 --steps 200 --sig-policy hybrid
contains "$out" "sig_policy=hybrid"
contains "$out" "wrong_shape=0"
[[ "${out% sig_policy=*}" == "${ed% sig_policy=*}" ]] || fail "hybrid run differs: $out / $ed"
expect 0 "$hm" sim --seed 7 --nodes 4 --steps 250 --faults byzantine --sig-policy hybrid
contains "$out" "sig_policy=hybrid"
[[ "$out" != *" evidence_committed=0 "* ]] || fail "no evidence committed: $out"
expect 1 "$hm" sim --seed 1 --sig-policy falcon
expect_one_error_line
contains "$err" "unknown signature policy 'falcon'"
expect 1 "$hm" sim --seed 1 --sig-policy
expect_one_error_line

expect 1 "$hm" sim
expect_one_error_line
contains "$err" "--seed is required"
expect 1 "$hm" sim --seed 1 --faults sometimes
expect_one_error_line
contains "$err" "unknown fault class 'sometimes'"
expect 1 "$hm" sim --seed 1 --nodes 0
expect_one_error_line
expect 1 "$hm" sim --seed 1 --nodes 33
expect_one_error_line
expect 1 "$hm" sim --seed -1
expect_one_error_line
expect 1 "$hm" sim --seed 1x
expect_one_error_line
expect 1 "$hm" sim --seed 1 --steps 0
expect_one_error_line
expect 1 "$hm" sim --seed 1 extra
expect_one_error_line
expect 1 "$hm" sim --seed
expect_one_error_line
finish
