#!/usr/bin/env bash
# Proofs from `hypermesh vdf eval` agree byte for byte with vdf_reference.py,
# an independent Python reading of docs/VDF.md (hash to prime, textbook
# composition, long-division proof, encoding); a wrong file is a mismatch.
source "$(dirname "$0")/../lib/cli.bash"
ref="$(dirname "$0")/vdf_reference.py"
if ! command -v python3 >/dev/null; then
  echo "skipped: python3 is not installed" >&2
  exit 77
fi

for args in "00 1" "68796d 2" "$(printf 'block hash' | od -An -tx1 | tr -d ' \n') 263" \
            "ff00ff 264" "0123456789abcdef 700"; do
  set -- $args
  expect 0 "$hm" vdf eval --input "$1" --iterations "$2" --out "$tmp/p"
  expect 0 python3 "$ref" "$1" "$2" "$tmp/p"
  contains "$out" "matches"
done

# The reference notices a proof for another T or a flipped bit.
expect 0 "$hm" vdf eval --input 00 --iterations 300 --out "$tmp/p300"
expect 1 python3 "$ref" 00 301 "$tmp/p300"
byte=$(od -An -tu1 -j200 -N1 "$tmp/p300" | tr -d ' ')
printf "$(printf '\\%03o' $(( byte ^ 1 )))" | dd of="$tmp/p300" bs=1 seek=200 conv=notrunc status=none
expect 1 python3 "$ref" 00 300 "$tmp/p300"

finish
