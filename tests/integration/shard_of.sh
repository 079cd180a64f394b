#!/usr/bin/env bash
# Shard of N: two `run --shard-of 0/2` and `1/2` processes (2 and 1 shards) against one `serve`,
# merged with `sipstorm merge`: attempted/succeeded add up, Call-IDs never collide and CSV users never
# repeat (both read back from --pcap), the merged histograms are the two runs' histograms added bucket
# by bucket (and its percentiles those of the sum), gates run on the merge, mismatched inputs are refused.
# Then two processes over TCP with --local-ip 127.0.0.1-127.0.0.4: each takes its half of the range
# (serve's --pcap shows shard 0's INVITEs from .1 and .2 only, shard 1's from .3 and .4 only).
source "$(dirname "$0")/lib.sh"
need tshark tshark
PORT=28120
TCP_PORT=28121
need_free_udp $PORT
CALLS=600
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$PORT --shards 2 -q >"$WORK/serve.log" 2>&1 &
PIDS+=("$!")
wait_udp $PORT
{ echo SEQUENTIAL; for i in $(seq 0 $((CALLS - 1))); do echo "user$i;pw$i"; done; } >"$WORK/users.csv"
common=("$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:$PORT --rate 300 --calls $CALLS
  --inf "$WORK/users.csv" --set 'service=${field0}' -q)
"$SIPSTORM" run "${common[@]}" --shard-of 0/2 --shards 2 --out "$WORK/a.json" --pcap "$WORK/a.pcap" \
  >"$WORK/a.log" 2>&1 &
a=$!
# The second one as a Kubernetes Indexed Job starts it: the index from the environment.
JOB_COMPLETION_INDEX=1 "$SIPSTORM" run "${common[@]}" --shards-total 2 --shards 1 --out "$WORK/b.json" \
  --pcap "$WORK/b.pcap" >"$WORK/b.log" 2>&1 || { cat "$WORK/b.log"; fail "shard 1/2: exit code $?"; }
wait $a || { cat "$WORK/a.log"; fail "shard 0/2: exit code $?"; }
[ "$(json "$WORK/a.json" 'r["shard_of"]')" = "{'index': 0, 'total': 2}" ] || fail "a.json: shard_of"
[ "$(json "$WORK/b.json" 'r["shard_of"]')" = "{'index': 1, 'total': 2}" ] || fail "b.json: shard_of"
[ "$(json "$WORK/a.json" 'r["calls"]["attempted"]')" = 300 ] || fail "shard 0/2 did not take half the calls"
[ "$(json "$WORK/b.json" 'r["calls"]["attempted"]')" = 300 ] || fail "shard 1/2 did not take half the calls"
[ "$(json "$WORK/a.json" 'r["rate"]["target"]')" = 150.0 ] || fail "shard 0/2: target rate not half"

"$SIPSTORM" merge "$WORK/a.json" "$WORK/b.json" -o "$WORK/m.json" --gate "attempted_calls == $CALLS" \
  --gate 'failed_calls == 0' --csv "$WORK/m.csv" >"$WORK/merge.log" 2>&1 ||
  { cat "$WORK/merge.log"; fail "merge: exit code $?"; }
cat "$WORK/merge.log"
[ "$(json "$WORK/m.json" 'r["calls"]["attempted"]')" = $CALLS ] || fail "merged attempted"
[ "$(json "$WORK/m.json" 'r["calls"]["succeeded"]')" = $CALLS ] || fail "merged succeeded"
[ "$(json "$WORK/m.json" 'sum(x["attempted"] for x in r["series"])')" = $CALLS ] || fail "merged series rows"
[ "$(json "$WORK/m.json" 'r["shards"]')" = 3 ] || fail "merged shards"
[ "$(json "$WORK/m.json" 'len(r["generator"]["nodes"])')" = 2 ] || fail "generator nodes"

# Call-IDs: every INVITE of both processes has its own.
for f in a b; do
  tshark_sip -r "$WORK/$f.pcap" -Y 'sip.Method == "INVITE" && udp.dstport == '$PORT -T fields -e sip.Call-ID \
    2>/dev/null | sort -u >"$WORK/$f.ids"
  [ "$(wc -l <"$WORK/$f.ids")" = 300 ] || fail "$f.pcap: $(wc -l <"$WORK/$f.ids") distinct INVITE Call-IDs, not 300"
  tshark_sip -r "$WORK/$f.pcap" -Y 'sip.Method == "INVITE" && udp.dstport == '$PORT -T fields -e sip.r-uri.user \
    2>/dev/null >"$WORK/$f.users"
done
[ -z "$(comm -12 "$WORK/a.ids" "$WORK/b.ids")" ] || fail "Call-IDs collide: $(comm -12 "$WORK/a.ids" "$WORK/b.ids" | head -3)"
# CSV users: 600 calls over 600 rows, never one twice (inside a process or across the two).
users=$(cat "$WORK/a.users" "$WORK/b.users" | sort -u | wc -l)
all=$(cat "$WORK/a.users" "$WORK/b.users" | wc -l)
[ "$users" = $CALLS ] && [ "$all" = $CALLS ] || fail "CSV users: $users distinct of $all, expected $CALLS of $CALLS"
echo "PASS Call-IDs and CSV users disjoint: $CALLS calls, $users users"

# The merged histograms are the inputs' added bucket by bucket; the percentiles are those of the sum
# (bucket midpoint clamped to [min, max], tools/RESULT_SCHEMA.md).
python3 - "$WORK/a.json" "$WORK/b.json" "$WORK/m.json" <<'EOF' || fail "merged histograms"
import json, sys
a, b, m = (json.load(open(p)) for p in sys.argv[1:4])
def low(i):
    return i if i < 256 else (i % 128 + 128) << (i // 128 - 1)
def width(i):
    return 1 if i < 256 else 1 << (i // 128 - 1)
def percentile(h, p):
    want = max(1, -(-h["count"] * p // 100)) if p < 100 else h["count"]
    seen = 0
    for i, n in h["buckets"]:
        seen += n
        if seen >= want:
            return min(max(low(i) + (width(i) - 1) // 2, h["min"]), h["max"])
def check(name, ha, hb, hm):
    buckets = {}
    for h in (ha, hb):
        for i, n in h["buckets"]:
            buckets[i] = buckets.get(i, 0) + n
    assert dict((i, n) for i, n in hm["buckets"]) == buckets, name + ": buckets differ"
    assert hm["count"] == ha["count"] + hb["count"] and hm["sum"] == ha["sum"] + hb["sum"], name
    assert hm["min"] == min(ha["min"], hb["min"]) and hm["max"] == max(ha["max"], hb["max"]), name
    return len(buckets)
n = check("setup_us", a["histograms"]["setup_us"], b["histograms"]["setup_us"], m["histograms"]["setup_us"])
check("call_us", a["histograms"]["call_us"], b["histograms"]["call_us"], m["histograms"]["call_us"])
for method in ("INVITE", "BYE"):
    check(method, a["histograms"]["response_us"][method], b["histograms"]["response_us"][method],
          m["histograms"]["response_us"][method])
h = m["histograms"]["setup_us"]
for key, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", None)):
    got = m["latency_ms"]["setup"][key]
    want = (percentile(h, p) if p else h["max"]) / 1000.0
    assert abs(got - want) < 1e-9, f"{key}: merge says {got}, the summed buckets {want}"
print(f"PASS merged histograms: {n} setup buckets, p50 {m['latency_ms']['setup']['p50']} ms "
      f"p99 {m['latency_ms']['setup']['p99']} ms = the two runs' buckets added")
EOF
head -1 "$WORK/m.csv" | grep -q '^t,' || fail "merge --csv"

# Gates run on the merge: one that fails exits 4.
rc=0
"$SIPSTORM" merge "$WORK/a.json" "$WORK/b.json" -o "$WORK/m2.json" --gate 'attempted_calls < 10' \
  >"$WORK/gate.log" 2>&1 || rc=$?
[ $rc = 4 ] || fail "a failing gate on merge: exit code $rc, not 4"
grep -q "FAIL  attempted_calls < 10" "$WORK/gate.log" || { cat "$WORK/gate.log"; fail "gate verdict"; }

# Refusals (exit 2, one line naming the trouble).
refuse() {
  local why=$1
  shift
  if "$SIPSTORM" merge "$@" -o "$WORK/bad.json" >"$WORK/bad.log" 2>&1; then fail "merge accepted: $why"; fi
  grep -q -- "$why" "$WORK/bad.log" || { cat "$WORK/bad.log"; fail "merge refusal does not say: $why"; }
  echo "PASS merge refuses: $why"
}
python3 - "$WORK" <<'EOF'
import json, sys
w = sys.argv[1]
b = json.load(open(w + "/b.json"))
for name, change in (("scen", lambda r: r.update(scenario="register.lua")),
                     ("schema", lambda r: r.update(schema_version=0)),
                     ("total", lambda r: r["shard_of"].update(total=3))):
    r = json.loads(json.dumps(b))
    change(r)
    json.dump(r, open(f"{w}/{name}.json", "w"))
EOF
refuse "different scenarios" "$WORK/a.json" "$WORK/scen.json"
refuse "different schema versions" "$WORK/a.json" "$WORK/schema.json"
refuse "not shards of one run" "$WORK/a.json" "$WORK/total.json"
refuse "comes twice" "$WORK/a.json" "$WORK/a.json"
echo '{"calls": 3}' >"$WORK/other.json"
refuse "not a sipstorm result file" "$WORK/a.json" "$WORK/other.json"
# One shard alone merges, with a warning naming the missing one.
"$SIPSTORM" merge "$WORK/a.json" -o "$WORK/one.json" >"$WORK/one.log" 2>&1 || fail "merge of one shard"
grep -q "shards missing from the merge: 1 of 2" "$WORK/one.log" || fail "no warning for the missing shard"
echo "PASS shard of N: 2 processes, $CALLS calls merged"

# --local-ip FIRST-LAST: the range is split like a --dpdk-ip one, contiguous parts in shard order.
ss -H -tln "sport = :$TCP_PORT" | grep -q . && fail "tcp port $TCP_PORT is already in use by another process"
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$TCP_PORT --transport tcp --shards 1 --calls 80 \
  --duration 60s -q --pcap "$WORK/tcp-serve.pcap" >"$WORK/tcp-serve.log" 2>&1 &
serve_pid=$!
PIDS+=("$serve_pid")
wait_tcp $TCP_PORT
for i in 0 1; do
  "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:$TCP_PORT --transport tcp --connections per-call \
    --local-ip 127.0.0.1-127.0.0.4 --shard-of $i/2 --calls 80 --rate 80 --shards 1 --set service=shard$i -q \
    --out "$WORK/tcp-$i.json" >"$WORK/tcp-$i.log" 2>&1 &
  PIDS+=("$!")
  eval "tcp_pid_$i=\$!"
done
# shellcheck disable=SC2154  # set by the eval above
{ wait "$tcp_pid_0" && wait "$tcp_pid_1"; } || { cat "$WORK"/tcp-*.log; fail "TCP shards with --local-ip: exit code $?"; }
wait "$serve_pid" || true
for i in 0 1; do
  [ "$(json "$WORK/tcp-$i.json" 'r["calls"]["succeeded"]')" = 40 ] || fail "TCP shard $i/2: not 40 calls succeeded"
done
sources=$(tshark_sip -r "$WORK/tcp-serve.pcap" -Y 'sip.Method == "INVITE"' -T fields -e sip.r-uri.user -e ip.src \
  2>/dev/null | sort | uniq -c | awk '{print $2 "@" $3 "=" $1}' | tr '\n' ' ')
want="shard0@127.0.0.1=20 shard0@127.0.0.2=20 shard1@127.0.0.3=20 shard1@127.0.0.4=20 "
[ "$sources" = "$want" ] || fail "INVITEs by shard and source address: '$sources', expected '$want'"
echo "PASS --local-ip range split by --shard-of: $sources"
# A range smaller than N is refused, naming both.
if "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:$TCP_PORT --transport tcp \
  --local-ip 127.0.0.1-127.0.0.2 --shard-of 0/3 --calls 3 -q >"$WORK/small.log" 2>&1; then
  fail "a 2-address --local-ip range over 3 shards was accepted"
fi
grep -q -- "--local-ip 127.0.0.1-127.0.0.2: 2 address(es) for 3 shards" "$WORK/small.log" ||
  { cat "$WORK/small.log"; fail "the refusal of a small --local-ip range does not say why"; }
echo "PASS a --local-ip range smaller than --shard-of's N is refused"
