#!/usr/bin/env bash
# bench/sipp_cli_speed.sh: the same SIPp command line run by SIPp and by `sipstorm sipp`, one after the
# other in one run, against the same UAS (`sipstorm serve scenarios/sipp/uas.xml`, 2 shards), over
# loopback UDP: how long each takes for -m CALLS calls asked at -r RATE, and the calls/s achieved
# (successful calls over the wall time). Prints both and the ratio. No hold (-d 0).
#
#   bench/sipp_cli_speed.sh [CALLS] [RATE] [BUILD_DIR]     default 60000 20000 build
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CALLS=${1:-60000}
RATE=${2:-20000}
SIPSTORM=${3:-$REPO/build}/sipstorm
command -v sipp >/dev/null || { echo "need sipp (Debian package sip-tester)" >&2; exit 1; }
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
cd "$WORK"

# one TOOL PORT: runs the UAC, prints "seconds successful".
one() {
  local tool=$1 port=$2 t0 t1 ok
  "$SIPSTORM" serve "$REPO/scenarios/sipp/uas.xml" --listen 127.0.0.1:$port --shards 2 -q >/dev/null 2>&1 &
  PIDS+=("$!")
  sleep 0.5
  t0=$(date +%s.%N)
  if [ "$tool" = sipp ]; then
    sipp -sn uac -r "$RATE" -m "$CALLS" -d 0 -nostdin -trace_stat -stf "$tool.csv" -fd 1 127.0.0.1:$port \
      >/dev/null 2>&1 || true
  else
    "$SIPSTORM" sipp -sn uac -r "$RATE" -m "$CALLS" -d 0 -nostdin -trace_stat -stf "$tool.csv" -fd 1 \
      127.0.0.1:$port >/dev/null 2>&1 || true
  fi
  t1=$(date +%s.%N)
  ok=$(python3 -c "
rows=[l.split(';') for l in open('$tool.csv')]; h=rows[0]; print(rows[-1][h.index('SuccessfulCall(C)')])")
  kill "${PIDS[-1]}" 2>/dev/null || true
  echo "$(python3 -c "print(round($t1 - $t0, 2))") $ok"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r s_sipp ok_sipp < <(one sipp 26001)
read -r s_ours ok_ours < <(one sipstorm 26011)
python3 - "$CALLS" "$RATE" "$s_sipp" "$ok_sipp" "$s_ours" "$ok_ours" <<'PY'
import sys
calls, rate, s1, ok1, s2, ok2 = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
r1, r2 = ok1 / s1, ok2 / s2
print(f"-sn uac -r {rate} -m {calls} -d 0 against sipstorm serve uas.xml (2 shards):")
print(f"  sipp            {s1:7.2f} s  {ok1:8.0f} successful  {r1:9.0f} calls/s")
print(f"  sipstorm sipp   {s2:7.2f} s  {ok2:8.0f} successful  {r2:9.0f} calls/s")
print(f"  ratio: {r2 / r1:.1f}x")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
