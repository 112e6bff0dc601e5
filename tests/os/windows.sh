#!/usr/bin/env bash
# The OS layer's Windows backend (src/os/os_win.c): cross-compiled with
# mingw-w64 (win/CMakeLists.txt, cmake/mingw-w64.cmake) and run under Wine.
# tests/os/win_detect.c checks every detector and a usage interval for
# self-consistency and that eBPF/XDP report "unsupported"; here its CPU count
# and memory total are compared with the host's (Wine reports the host's).
set -e
source "$(dirname "$0")/../lib/cli.bash"

root="$(cd "$(dirname "$0")/../.." && pwd)"
if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  echo "skip: no mingw-w64 cross compiler (Debian gcc-mingw-w64-x86-64)" >&2
  exit 77
fi
wine=$(command -v wine64 || command -v wine || true)
[[ -z "$wine" && -x /usr/lib/wine/wine64 ]] && wine=/usr/lib/wine/wine64
if [[ -z "$wine" ]]; then
  echo "skip: no Wine (Debian wine64)" >&2
  exit 77
fi

# The cross build and the Wine prefix live beside the build's bin directory
# and are reused, so only the first run pays for Wine's setup.
binabs="$(cd "$bin" && pwd)"
build="$binabs/../build-win"
cmake -S "$root/win" -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64.cmake" \
  >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log" >&2; fail "cmake (mingw-w64) failed"; finish; }
cmake --build "$build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "cross build failed"; finish; }

export WINEPREFIX="$binabs/../wine-prefix" WINEDEBUG=-all
expect 0 timeout 120 "$wine" "$build/win_detect.exe"
contains "$out" "0 failed"
value() { sed -n "s/^$1=//p" <<<"$out" | tr -d '\r' | head -n 1; }

checks=$((checks + 1))
[[ "$(value cpu.threads)" == "$(nproc --all)" ]] ||
  fail "cpu.threads $(value cpu.threads), nproc --all $(nproc --all)"
checks=$((checks + 1))
total=$(value memory.total_bytes)
host=$(free -b | awk '/^Mem:/{print $2}')
diff=$((total > host ? total - host : host - total))
[[ -n "$total" && $diff -le $((1 << 20)) ]] || fail "memory.total_bytes $total, free -b $host"
# Every global IPv4 address of the host shows through Wine's adapters.
for addr in $(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1); do
  contains "$out" "addr=$addr"
done

finish
