#!/usr/bin/env bash
# Installs, builds and runs every test: the unit, conformance and integration tests (CTest), the unit
# tests again under ASan+UBSan, and a short libFuzzer run of each fuzz target.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
start=$SECONDS
stage() { echo "== $* (at $((SECONDS - start)) s)"; }
"$root/tools/setup.sh"
# Every command the tests, benchmarks and scripts run comes from a package setup.sh installs: checked
# first, so a missing one fails in seconds rather than after the build (CTest runs it too).
stage "commands the scripts use (tools/check_commands.py)"
python3 "$root/tools/check_commands.py"

stage "build (RelWithDebInfo)"
"$root/tools/build.sh" "$root/build"
stage ctest
(cd "$root/build" && ctest --output-on-failure -j "$jobs" --timeout 600)

stage "unit tests under ASan+UBSan"
# Only the unit test binaries, at -O1 with line tables only: the sanitizer builds are the slowest part
# of CI, and -O2 with full debug info costs them compile time without finding more.
quick=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1")
unit_targets=$(ls "$root/build" | grep -E '^[a-z]+_tests$' | tr '\n' ' ')
BUILD_TARGET="$unit_targets" "$root/tools/build.sh" "$root/build-asan" -DSIPSTORM_SANITIZE=ON -DSIPSTORM_BENCH=OFF \
  "${quick[@]}"
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs" -L unit --timeout 600)

stage "fuzz (libFuzzer + ASan, clang)"
BUILD_TARGET=fuzz "$root/tools/build.sh" "$root/build-fuzz" -DSIPSTORM_FUZZ=ON -DSIPSTORM_BENCH=OFF \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang "${quick[@]}"
(cd "$root/build-fuzz" && ctest --output-on-failure -j "$jobs" -L fuzz --timeout 600)
stage "all tests passed"
