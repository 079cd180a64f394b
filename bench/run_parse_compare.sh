#!/usr/bin/env bash
# Builds parse_compare (RelWithDebInfo) and runs it on the basic-call corpus.
# Usage: bench/run_parse_compare.sh [--build-dir DIR] [parse_compare options, e.g. --seconds 4 --cpu 1]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build-bench
if [ "${1:-}" = "--build-dir" ]; then
    build=$2
    shift 2
fi
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target parse_compare -j"$(nproc)"
"$build/bench/parse_compare" "$@"
