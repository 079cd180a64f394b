#!/usr/bin/env bash
# bench/media_streams.sh: concurrent G.711 streams (20 ms ptime, 50 packets/s each way), UAC and UAS
# both on this machine, sipstorm against SIPp at the same counts in the same run, and the kernel's
# own UDP ceiling (bench/udp_ceiling, plain mode) for the goal.
#
#   bench/media_streams.sh [--counts "50 100 ..."] [--seconds 10] [--out media.json] [--build-dir DIR]
#
# It runs in a network namespace of its own (unshare -n, as root), so its ports and the kernel's UDP
# counters (/proc/net/snmp) are its own. At each count N, for each tool:
#   sipstorm  `run call_rtp.lua --set talk=3600 --concurrent N` (a 1 kHz tone, PCMU) ->
#             `serve answer_rtp.lua` (echoes every packet), 2 shards each;
#   SIPp      `sipp -sf bench/sipp_uac_rtp_stream.xml -l N` (rtp_stream of a u-law WAV, looped) ->
#             `sipp -sn uas -rtp_echo`;
# once all N calls are up (the tool's own live count) and a second has passed, dumpcap captures the
# UAC -> UAS RTP on the loopback interface for 2 + --seconds and bench/rtp_send_jitter.py judges the
# last --seconds (starting a capture stalls the machine for a moment, which is no tool's fault), the
# same for both tools: a count passes with all N streams seen, zero generator-side drops (no
# sequence number skipped, no stream short of a packet per 20 ms, no UDP SndbufErrors, no capture
# drops) and send lateness p99 < 2 ms (each packet against its 20 ms mark). A tool stops after two
# counts in a row fail even the drop criterion. Reported: the highest passing count of each tool and
# their ratio, the highest count with zero drops whatever the lateness, and the kernel ceiling in
# datagrams/s and in media calls (100 datagrams/s each: 50 each way). The workloads differ in one
# way: sipstorm's UAC receives and measures the echoed stream; SIPp's rtp_stream never reads it (the
# kernel drops it at its socket: the rcvbuf column), so SIPp's UAC does half the packet work.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=knee_lib.sh
source "$HERE/knee_lib.sh"

usage() {
    cat <<EOF
usage: bench/media_streams.sh [options]
  --counts "N ..."      concurrent media calls to step through (default "50 100 200 400 700 1000 1500
                        2000 3000 4000 6000")
  --seconds S           capture window per step (default 10)
  --shards K            sipstorm shards per process (default 2)
  --only sipp|sipstorm  measure one tool only
  --ceiling-seconds S   udp_ceiling seconds (default 3)
  --out FILE            also write the results as JSON to FILE
  --build-dir DIR       build directory with sipstorm and bench/udp_ceiling (default: \$SIPSTORM_BUILD,
                        $REPO/build, build-lead)
  --keep DIR            keep logs, captures and result files in DIR (default: a temp dir, removed)
EOF
}

COUNTS="50 100 200 400 700 1000 1500 2000 3000 4000 6000" SECONDS_=10 SKIP=2 SHARDS=2 ONLY="" CEIL_S=3
OUT="" BUILD="" KEEP=""
ARGS=("$@")
while (( $# )); do
    case $1 in
        --counts) COUNTS=$2; shift ;;
        --seconds) SECONDS_=$2; shift ;;
        --shards) SHARDS=$2; shift ;;
        --only) ONLY=$2; shift ;;
        --ceiling-seconds) CEIL_S=$2; shift ;;
        --out) OUT=$2; shift ;;
        --build-dir) BUILD=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done

if [[ -z ${MEDIA_STREAMS_NETNS:-} ]]; then
    [[ $(id -u) == 0 ]] || die "needs root for its network namespace (unshare -n)"
    need unshare util-linux
    need ip iproute2
    # shellcheck disable=SC2016  # $0 and $@ are for the inner bash
    exec unshare --net -- env MEDIA_STREAMS_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@"' \
        "${BASH_SOURCE[0]}" "${ARGS[@]}"
fi

BUILD=$(find_build_dir "$REPO" "$BUILD") || die "no sipstorm binary: build first or pass --build-dir"
SIPSTORM=$BUILD/sipstorm
CEILING=$BUILD/bench/udp_ceiling
[[ -x $CEILING ]] || die "$CEILING missing: cmake --build $BUILD --target udp_ceiling"
need sipp sip-tester
need dumpcap tshark
need python3 python3
if [[ -n $KEEP ]]; then WORK=$KEEP; mkdir -p "$WORK"; else WORK=$(mktemp -d /tmp/media_streams.XXXXXX); fi
STEPS=$WORK/steps.jsonl
: > "$STEPS"

PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p" 1 || true; done
    PIDS=()
    if [[ -z $KEEP ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# SIPp's rtp_stream file: 1 s of a 1 kHz tone, 8 kHz u-law, in a WAV (format 7).
python3 - "$WORK/tone_pcmu.wav" <<'EOF'
import math, struct, sys
def ulaw(x):
    sign = 0x80 if x < 0 else 0
    x = min(abs(x), 32635) + 0x84
    exp = max(0, x.bit_length() - 8)
    return ~(sign | min(exp, 7) << 4 | (x >> (min(exp, 7) + 3)) & 0x0F) & 0xFF
data = bytes(ulaw(int(8000 * math.sin(2 * math.pi * i / 8))) for i in range(8000))
fmt = struct.pack("<HHIIHH", 7, 1, 8000, 8000, 1, 8)
open(sys.argv[1], "wb").write(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<I", 16) +
                              fmt + b"data" + struct.pack("<I", len(data)) + data)
EOF

udp_counter() { awk -v k="$1" '/^Udp:/ { if (!n++) { for (i = 1; i <= NF; i++) c[$i] = i } else print $c[k] }' /proc/net/snmp; }
storm_streams() {
    local n
    n=$(grep -o 'media [0-9]* streams' "$1" 2>/dev/null | tail -1 | awk '{print $2}')
    echo "${n:--1}"
}
sipp_live() {
    [[ -f $1 ]] || { echo -1; return; }
    awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "CurrentCall") c = i; next }
               { n = $c } END { print (c && n != "") ? n : 0 }' "$1"
}

# measure TOOL N FILTER LIVEFN SOURCE UAC_PID SELF_JSON: waits for N live, captures, judges, records.
measure() {
    local tool=$1 n=$2 filter=$3 livefn=$4 src=$5 uac=$6 self=$7 deadline live=-1 snd0 snd1 rcv0 rcv1 drops
    deadline=$(( $(date +%s) + n / RAMP + 20 ))
    while alive "$uac" && (( $(date +%s) < deadline )); do
        live=$("$livefn" "$src")
        (( live >= n )) && break
        sleep 0.1
    done
    if (( live < n )); then
        log "$tool $n: only $live calls up"
        record_step "$tool" "$n" "{\"up\": $live}" "$self"
        return
    fi
    sleep 1
    snd0=$(udp_counter SndbufErrors) rcv0=$(udp_counter RcvbufErrors)
    dumpcap -q -i lo -P -s 64 -B 64 -f "$filter" -a "duration:$(( SECONDS_ + SKIP ))" -w "$WORK/$tool-$n.pcap" \
        >"$WORK/$tool-$n.dumpcap" 2>&1 || true
    snd1=$(udp_counter SndbufErrors) rcv1=$(udp_counter RcvbufErrors)
    drops=$(sed -n 's|.*received/dropped on interface.*: \([0-9]*\)/\([0-9]*\).*|\2|p' "$WORK/$tool-$n.dumpcap" | tail -1)
    python3 "$HERE/rtp_send_jitter.py" "$WORK/$tool-$n.pcap" "$SKIP" >"$WORK/$tool-$n.judge.json"
    [[ -n $KEEP ]] || rm -f "$WORK/$tool-$n.pcap"
    record_step "$tool" "$n" "$(cat "$WORK/$tool-$n.judge.json")" \
        "{\"up\": $live, \"capture_drops\": ${drops:-0}, \"sndbuf_errors\": $(( snd1 - snd0 )), \"rcvbuf_errors\": $(( rcv1 - rcv0 )), \"capture_s\": $(( SECONDS_ + SKIP ))}"
}

# record_step TOOL N JSON JSON: one line of steps.jsonl (the objects merged), and the verdict in $PASSED.
record_step() {
    python3 - "$STEPS" "$@" <<'EOF'
import json, sys
path, tool, n, *objs = sys.argv[1:]
d = {"tool": tool, "n": int(n)}
for o in objs:
    d.update(json.loads(o) if o else {})
d["zero_drops"] = (d.get("streams", 0) == d["n"] and d.get("missing", 1) == 0 and d.get("shortfall", 1) == 0
                   and d.get("sndbuf_errors", 1) == 0 and d.get("capture_drops", 1) == 0)
d["pass"] = d["zero_drops"] and d.get("late_p99_ms", 99) < 2.0
open(path, "a").write(json.dumps(d) + "\n")
print(f"  {tool:8s} {d['n']:6d} calls: streams {d.get('streams', 0)}, {d.get('packets_per_s', 0):,.0f} pkt/s, "
      f"missing {d.get('missing', '-')}, short {d.get('shortfall', '-')}, late p99 {d.get('late_p99_ms', '-')} ms "
      f"(both ways {d.get('dev_p99_ms', '-')}), sndbuf err {d.get('sndbuf_errors', '-')}, capture drops "
      f"{d.get('capture_drops', '-')}: {'PASS' if d['pass'] else 'zero drops' if d['zero_drops'] else 'FAIL'}",
      file=sys.stderr)
EOF
}

last_zero_drops() { tail -1 "$STEPS" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["zero_drops"]))'; }

sipstorm_step() {
    local n=$1 serve run
    "$SIPSTORM" serve "$REPO/scenarios/answer_rtp.lua" --listen 127.0.0.1:5060 --shards "$SHARDS" \
        --rtp-ports 40000-59999 --media-timeout 60s -q >"$WORK/sipstorm-$n.serve.log" 2>&1 &
    serve=$!; PIDS=("$serve")
    wait_udp_port 5060 5 || die "serve not listening (see $WORK/sipstorm-$n.serve.log)"
    "$SIPSTORM" run "$REPO/scenarios/call_rtp.lua" --target 127.0.0.1:5060 --set talk=3600 --concurrent "$n" \
        --rate "$RAMP" --shards "$SHARDS" --rtp-ports 20000-39999 --call-slots $(( n * 5 / 4 / SHARDS + 16 )) \
        --drain 1s --out "$WORK/sipstorm-$n.json" >"$WORK/sipstorm-$n.run.log" 2>&1 &
    run=$!; PIDS+=("$run")
    measure sipstorm "$n" "udp and dst portrange 40000-59999" storm_streams "$WORK/sipstorm-$n.run.log" "$run" ""
    stop_pid "$run" 5 || true
    stop_pid "$serve" 2 || true
    PIDS=()
    # sipstorm's own view of its sending, over the whole run (ramp included).
    if [[ -f $WORK/sipstorm-$n.json ]]; then
        python3 - "$STEPS" "$WORK/sipstorm-$n.json" <<'EOF'
import json, sys
steps, res = sys.argv[1], json.load(open(sys.argv[2]))
lines = open(steps).read().splitlines()
d = json.loads(lines[-1])
m = res["media"]
d["self"] = {"send_late_p99_ms": m["send_late_ms"]["p99"], "late_packets": m["late_packets"],
             "saturated": res.get("generator", {}).get("saturated")}
lines[-1] = json.dumps(d)
open(steps, "w").write("\n".join(lines) + "\n")
EOF
    fi
}

sipp_step() {
    local n=$1 uas uac
    (cd "$WORK" && exec sipp -sn uas -rtp_echo -i 127.0.0.1 -p 5062 -mp 40000 -nostdin >"$WORK/sipp-$n.uas.log" 2>&1) &
    uas=$!; PIDS=("$uas")
    wait_udp_port 5062 5 || die "SIPp UAS not listening (see $WORK/sipp-$n.uas.log)"
    rm -f "$WORK/sipp-$n.csv"
    (cd "$WORK" && exec sipp -sf "$HERE/sipp_uac_rtp_stream.xml" 127.0.0.1:5062 -i 127.0.0.1 -p 5064 -mp 20000 \
        -l "$n" -m "$n" -r "$RAMP" -d 3600000 -nostdin -trace_stat -stf "$WORK/sipp-$n.csv" -fd 1 \
        >"$WORK/sipp-$n.uac.log" 2>&1) &
    uac=$!; PIDS+=("$uac")
    measure sipp "$n" "udp and dst port 40000" sipp_live "$WORK/sipp-$n.csv" "$uac" ""
    stop_pid "$uac" 2 || true
    stop_pid "$uas" 1 || true
    PIDS=()
}

MACHINE_START=$(machine_json)
declare -A FAILS=([sipstorm]=0 [sipp]=0)
[[ $ONLY == sipp ]] && FAILS[sipstorm]=2
[[ $ONLY == sipstorm ]] && FAILS[sipp]=2
for n in $COUNTS; do
    RAMP=$(( n / 4 )); (( RAMP < 50 )) && RAMP=50; (( RAMP > 1000 )) && RAMP=1000
    for tool in sipstorm sipp; do
        (( FAILS[$tool] >= 2 )) && continue
        log "$tool: $n concurrent media calls (ramp $RAMP calls/s, capture ${SECONDS_} s)"
        "${tool}_step" "$n"
        if (( $(last_zero_drops) )); then FAILS[$tool]=0; else FAILS[$tool]=$(( FAILS[$tool] + 1 )); fi
    done
    (( FAILS[sipstorm] >= 2 && FAILS[sipp] >= 2 )) && break
done

log "udp_ceiling --mode plain --size 172 (an RTP packet of 20 ms of G.711): ${CEIL_S} s"
"$CEILING" --mode plain --size 172 --seconds "$CEIL_S" | tee "$WORK/ceiling.txt"
MACHINE_END=$(machine_json)

python3 - "$STEPS" "$WORK/ceiling.txt" "$MACHINE_START" "$MACHINE_END" "$SECONDS_" "$SHARDS" "${OUT:-}" <<'EOF'
import json, sys
steps_path, ceil_path, m0, m1, seconds, shards, out = sys.argv[1:]
steps = [json.loads(l) for l in open(steps_path) if l.strip()]
ceiling = {}
for line in open(ceil_path):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if kv.get("mode") == "plain":
        ceiling = {"datagrams_per_s": float(kv["datagrams_per_s"])}
        ceiling["media_calls_equiv"] = int(ceiling["datagrams_per_s"] / 100)
def best(tool, key):
    ok = [s["n"] for s in steps if s["tool"] == tool and s[key]]
    return max(ok) if ok else 0
res = {"benchmark": "concurrent G.711 media calls (20 ms, 50 packets/s each way), UAC and UAS on this machine, "
                    "loopback in a network namespace",
       "machine_start": json.loads(m0), "machine_end": json.loads(m1), "capture_seconds": float(seconds),
       "sipstorm_shards": int(shards), "steps": steps, "kernel_udp_ceiling_plain": ceiling}
for tool in ("sipstorm", "sipp"):
    res[tool] = {"max_calls": best(tool, "pass"), "max_calls_zero_drops": best(tool, "zero_drops")}
s, p = res["sipstorm"]["max_calls"], res["sipp"]["max_calls"]
res["ratio_sipstorm_over_sipp"] = round(s / p, 2) if p else None
sz, pz = res["sipstorm"]["max_calls_zero_drops"], res["sipp"]["max_calls_zero_drops"]
res["ratio_zero_drops"] = round(sz / pz, 2) if pz else None
if ceiling:
    res["sipstorm_share_of_ceiling"] = round(s / ceiling["media_calls_equiv"], 3)
if out:
    with open(out, "w") as f:
        json.dump(res, f, indent=2); f.write("\n")
la0, la1 = res["machine_start"]["loadavg"][0], res["machine_end"]["loadavg"][0]
print()
print(f"concurrent G.711 media calls, 20 ms, 50 pkt/s each way (load average {la0} at the start, {la1} at the end):")
print(f"  {'tool':9s} {'calls':>6s} {'streams':>7s} {'pkt/s':>8s} {'missing':>7s} {'short':>6s} {'late p99':>9s} "
      f"{'both ways':>9s} {'sndbuf':>6s} {'capdrop':>7s} {'rcvbuf/s':>8s}  verdict")
for d in steps:
    v = "PASS" if d["pass"] else "drops 0, late" if d["zero_drops"] else "FAIL"
    print(f"  {d['tool']:9s} {d['n']:6d} {d.get('streams', 0):7d} {d.get('packets_per_s', 0):8.0f} "
          f"{str(d.get('missing', '-')):>7s} {str(d.get('shortfall', '-')):>6s} {str(d.get('late_p99_ms', '-')):>9s} "
          f"{str(d.get('dev_p99_ms', '-')):>9s} {str(d.get('sndbuf_errors', '-')):>6s} "
          f"{str(d.get('capture_drops', '-')):>7s} {d.get('rcvbuf_errors', 0) / d.get('capture_s', 12):8.0f}  {v}")
print(f"  highest count with zero drops and send lateness p99 < 2 ms: sipstorm {s}, SIPp {p}"
      + (f" -> {res['ratio_sipstorm_over_sipp']}x" if p else " (SIPp passed at no count)"))
print(f"  highest count with zero drops, lateness aside: sipstorm {sz}, SIPp {pz}"
      + (f" -> {res['ratio_zero_drops']}x" if pz else ""))
print("  rcvbuf/s: UDP RcvbufErrors during the capture, per second: datagrams a receiver left unread (not a"
      " generator-side drop; SIPp's UAC never reads the echoed stream, so about all of it is dropped at its socket)")
if ceiling:
    print(f"  kernel UDP ceiling (udp_ceiling plain, 172-byte datagrams): {ceiling['datagrams_per_s']:,.0f} datagrams/s "
          f"= {ceiling['media_calls_equiv']:,} media calls at 100 datagrams/s; sipstorm reached "
          f"{res.get('sipstorm_share_of_ceiling', 0) * 100:.0f}% of it")
EOF
