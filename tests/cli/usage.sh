#!/usr/bin/env bash
# The command surface: --help, --version, exit codes, one-line errors, logging.
set -e
source "$(dirname "$0")/../lib/cli.bash"

expect 0 "$hm" --version
[[ "$out" =~ ^hypermesh\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "bad --version: $out"
expect 0 "$hm" --help
contains "$out" "usage: hypermesh"
# --help lists exactly the commands that exist, and each one has its own --help.
commands=$(sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' <<<"$out")
[[ -n "$commands" ]] || fail "no commands listed"
for c in $commands; do
  expect 0 "$hm" "$c" --help
  contains "$out" "usage: hypermesh $c"
done

expect 1 "$hm"
expect 1 "$hm" frobnicate
expect_one_error_line
contains "$err" "unknown command 'frobnicate'"
expect 1 "$hm" --frobnicate
expect_one_error_line
expect 1 "$hm" --log-level
expect_one_error_line
expect 1 "$hm" --log-level shouty keygen --help
expect_one_error_line
expect 1 "$hm" crypto
expect_one_error_line
expect 1 "$hm" crypto frobnicate
expect_one_error_line

# Log lines are logfmt on stderr and obey --log-level.
expect 0 "$hm" --log-level info keygen --out "$tmp/k"
contains "$err" "level=info module=keygen msg=\"wrote node identity\""
expect 0 "$hm" --log-level warn keygen --out "$tmp/k2"
[[ -z "$err" ]] || fail "info line printed at --log-level warn: $err"
expect 0 "$hm" keygen --out "$tmp/k3" --log-level error
[[ -z "$err" ]] || fail "info line printed at subcommand --log-level error: $err"

finish
