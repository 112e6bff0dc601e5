# Helpers for the shell tests. Source it; $1 of the test is the build's bin dir.
# expect CODE CMD...  runs CMD, fails the test unless it exits with CODE;
#                     its stdout/stderr are left in $out and $err.
set -u
bin=${1:?usage: TEST.sh BUILD_BIN_DIR}
hm="$bin/hypermesh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

expect() {
  local want=$1; shift
  checks=$((checks + 1))
  set +e
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  set -e
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  if [[ $got -ne $want ]]; then
    fail "'$*' exited $got, want $want"
    sed 's/^/  stderr: /' "$tmp/err" >&2
  fi
}

# The error contract: exactly one line on stderr, prefixed "hypermesh: ".
expect_one_error_line() {
  checks=$((checks + 1))
  if [[ $(printf '%s\n' "$err" | wc -l) -ne 1 || "$err" != hypermesh:* ]]; then
    fail "expected one 'hypermesh: ...' line on stderr, got: $err"
  fi
}

contains() {
  checks=$((checks + 1))
  [[ "$1" == *"$2"* ]] || fail "expected '$2' in: $1"
}

finish() {
  echo "$((checks - failures)) passed, $failures failed"
  [[ $failures -eq 0 ]]
}
