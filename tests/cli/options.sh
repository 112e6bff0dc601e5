#!/usr/bin/env bash
# Option handling shared by the commands (src/cli/cli_args.c): numeric values
# are whole decimal digits within the option's range, HOST[:PORT] targets are
# split the same way, and an unknown option or one missing its value is one
# usage error line (exit 1) in every command.
set -e
source "$(dirname "$0")/../lib/cli.bash"

# Bounds are accepted: the smallest and largest of --nodes and --steps, and
# the largest 64-bit seed.
expect 0 "$hm" sim --seed 18446744073709551615 --nodes 32 --steps 1
contains "$out" "seed=18446744073709551615 nodes=32"
expect 0 "$hm" sim --seed 0 --nodes 1 --steps 1
contains "$out" "seed=0 nodes=1"

# Anything but plain digits is refused, even where strtoull would read it.
for bad in "" "-1" "+1" " 1" "1 " "1k" "0x10" "1.5" "٣"; do
  expect 1 "$hm" sim --seed 1 --steps "$bad"
  expect_one_error_line
  contains "$err" "--steps must be a number from 1 to 100000000, not '$bad'"
done
# Out of range on either side, and past 64 bits.
expect 1 "$hm" sim --seed 1 --nodes 0
contains "$err" "--nodes must be a number from 1 to 32, not '0'"
expect 1 "$hm" sim --seed 1 --nodes 33
contains "$err" "--nodes must be a number from 1 to 32, not '33'"
expect 1 "$hm" sim --seed 18446744073709551616
expect_one_error_line
expect 1 "$hm" sim --seed 1 --steps 99999999999999999999999
contains "$err" "not '99999999999999999999999'"

# The same reader and message in other commands.
expect 1 "$hm" crypto bench --runs 0
contains "$err" "--runs must be a number from 1 to 1000000, not '0'"
expect 1 "$hm" top --interval 9
contains "$err" "--interval must be a number from 10 to 3600000, not '9'"
expect 1 "$hm" top --pid -1
contains "$err" "--pid must be a number from 1 to 2147483647, not '-1'"
expect 1 "$hm" stoq bench --count 10000001
contains "$err" "--count must be a number from 0 to 10000000, not '10000001'"
expect 1 "$hm" stoq send --port 65536 127.0.0.1
contains "$err" "--port must be a number from 0 to 65535, not '65536'"
expect 1 "$hm" stoq send 127.0.0.1:+1
contains "$err" "the port must be a number from 0 to 65535, not '+1'"
expect 1 "$hm" vdf eval --input 00 --iterations 0 --out "$tmp/p"
contains "$err" "--iterations must be a number from 1 to 1099511627776, not '0'"
[[ ! -e "$tmp/p" ]] || fail "a refused vdf eval wrote its --out file"
# Commands with their own wording still refuse the same values.
expect 1 "$hm" ca init --dir "$tmp/ca" --validators +4
contains "$err" "--validators must be 1..1024"
[[ ! -e "$tmp/ca" ]] || fail "a refused ca init created its directory"
expect 1 "$hm" ct proof --dir "$tmp" --inclusion 9223372036854775808
contains "$err" "--inclusion must be a leaf index"
expect 1 "$hm" ct proof --dir "$tmp" --consistency 1 " 2"
contains "$err" "--consistency needs OLD and NEW tree sizes"

# HOST[:PORT] for stoq ping and stoq send.
for bad in "[::1" "[::1]x" "[]:1" ":1" "host:" "host:65536" "$(printf 'h%.0s' {1..64})"; do
  expect 1 "$hm" stoq send --key "$tmp/none" "$bad"
  expect_one_error_line
done
expect 1 "$hm" stoq ping --key "$tmp/none" "[::1]:70000"
contains "$err" "the port must be a number from 0 to 65535, not '70000'"
# A well-formed target gets past option parsing to the missing key file (2).
expect 2 "$hm" stoq ping --key "$tmp/none" --peer-id "$(printf '00%.0s' {1..32})" "[::1]:4433"
expect_one_error_line

# Unknown options and options missing their value, command by command.
for c in "keygen" "sim" "space prove" "stoq ping" "stoq send" "stoq bench" \
         "crypto selftest" "crypto bench" "ct verify" "ct sth" "apikey list" "ca init" \
         "vdf eval" "hw" "top"; do
  expect 1 "$hm" $c --no-such-option
  expect_one_error_line
  contains "$err" "unknown option '--no-such-option'"
done
for c in "keygen --out" "sim --seed" "stoq ping --key" "stoq bench --count" "crypto bench --runs" \
         "ct sth --dir" "apikey list --dir" "ca init --dir" "vdf eval --input" "top --interval"; do
  expect 1 "$hm" $c
  expect_one_error_line
  contains "$err" "needs a value"
done
# --help still ends parsing with exit 0 wherever the shared handler took over.
for c in "keygen" "sim" "stoq ping" "stoq bench" "crypto bench" "ct verify" "apikey list" \
         "ca init" "vdf eval" "hw" "top"; do
  expect 0 "$hm" $c --help
  contains "$out" "usage:"
done

finish
