#!/usr/bin/env bash
# `sipstorm import` round trip: SIPp's built-in scenarios (sipp -sd) written as Lua run against the
# same SIPp peer as the XML they came from, and give the same results (calls, and the requests and
# responses sent, when neither run retransmitted).
source "$(dirname "$0")/lib.sh"
need sipp sip-tester
N=30
for s in uac uas regexp branchc branchs; do
  sipp -sd $s >"$WORK/$s.xml" || true  # it exits 1 after dumping
  "$SIPSTORM" import "$WORK/$s.xml" -o "$WORK/$s.lua" || fail "import $s.xml: exit code $?"
  grep -q '^return {' "$WORK/$s.lua" || fail "import $s.xml wrote no scenario"
done

# same A.json B.json: the counts that must agree.
same() {
  python3 - "$1" "$2" <<'PY' || fail "$1 and $2 differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ("attempted", "succeeded", "failed")
ca, cb = ({k: r["calls"][k] for k in keys} for r in (a, b))
assert ca == cb, f"calls {ca} != {cb}"
if a["retransmissions"]["total"] == 0 and b["retransmissions"]["total"] == 0:
    assert a["messages"]["out"] == b["messages"]["out"], f'{a["messages"]["out"]} != {b["messages"]["out"]}'
print("same:", ca)
PY
}

port=25281
for pair in "uac:-sn uas" "regexp:-sn uas" "branchc:-sf $WORK/branchs.xml"; do
  name=${pair%%:*}; peer=${pair#*:}
  for kind in xml lua; do
    port=$((port + 1))
    # shellcheck disable=SC2086  # peer is two words
    (cd "$WORK" && exec sipp $peer -i 127.0.0.1 -p $port -m $N -nostdin >/dev/null 2>&1) &
    PIDS+=("$!")
    wait_udp $port
    "$SIPSTORM" run "$WORK/$name.$kind" --target 127.0.0.1:$port --calls $N --rate 30 -q --out "$WORK/$name.$kind.json" \
      --set duration=100 || fail "run $name.$kind: exit code $?"
  done
  same "$WORK/$name.xml.json" "$WORK/$name.lua.json"
  echo "ok: $name.xml and $name.lua against sipp $peer"
done

for pair in "uas:uac" "branchs:branchc"; do
  name=${pair%%:*}; peer=${pair#*:}
  for kind in xml lua; do
    port=$((port + 1))
    "$SIPSTORM" serve "$WORK/$name.$kind" --listen 127.0.0.1:$port --calls $N -q --out "$WORK/$name.$kind.json" &
    spid=$!; PIDS+=("$spid")
    wait_udp $port
    (cd "$WORK" && sipp -sn "$peer" -i 127.0.0.1 -p $((port + 100)) 127.0.0.1:$port -m $N -r 30 -d 100 -nostdin \
      >/dev/null 2>&1) || fail "sipp -sn $peer -> serve $name.$kind: SIPp exit code $?"
    wait "$spid" || fail "serve $name.$kind: exit code $?"
  done
  same "$WORK/$name.xml.json" "$WORK/$name.lua.json"
  echo "ok: serve $name.xml and $name.lua against sipp -sn $peer"
done
echo "PASS sipstorm import round trip"
