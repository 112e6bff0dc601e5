#!/usr/bin/env bash
# hypermesh crypto bench: both implementations side by side with the
# reference figures, valid JSON, --portable, and refused arguments.
set -e
source "$(dirname "$0")/../lib/cli.bash"

expect 0 "$hm" crypto bench --runs 3 --only ml-kem-1024
contains "$out" "| ml-kem-1024  | portable | keygen"
contains "$out" "348000"
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  contains "$out" "| ml-kem-1024  | avx2     | decaps"
fi

expect 0 "$hm" crypto bench --runs 3 --only ml-dsa-87 --portable --json
python3 - "$out" <<'PY' || fail "bench --json is not what it should be: $out"
import json, sys
doc = json.loads(sys.argv[1])
rows = doc["results"]
assert {r["operation"] for r in rows} == {"keygen", "sign", "verify"}, rows
assert all(r["implementation"] == "portable" for r in rows), rows
assert all(r["reference_avx2_cycles"] > 0 and r["median_ns"] > 0 for r in rows), rows
PY

expect 1 "$hm" crypto bench --runs 0
expect 1 "$hm" crypto bench --only
expect 1 "$hm" crypto bench extra

finish
