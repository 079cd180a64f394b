#!/usr/bin/env bash
# Installs, builds and runs sipstorm's main job: a real load test of basic calls against the built-in
# UAS on loopback (all cores, 10 s), then lints the example messages and measures the parser on them.
# Options are passed to `sipstorm run`, e.g. tools/demo.sh --rate 20000 --duration 30s
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
"$root/tools/build.sh" "$root/build" >/dev/null
bin="$root/build/sipstorm"
echo "== sipstorm run scenarios/basic_call.lua (built-in UAS on loopback) $*"
set +e
"$bin" run "$root/scenarios/basic_call.lua" --rate 5000 --duration 10s --out "$root/build/demo-result.json" "$@"
rc=$?
set -e
echo "== sipstorm lint bench/corpus/*.sip"
"$bin" lint "$root"/bench/corpus/*.sip
echo "== sipstorm bench parse bench/corpus/*.sip"
"$bin" bench parse --seconds 1 "$root"/bench/corpus/*.sip
exit $rc
