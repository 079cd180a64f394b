#!/usr/bin/env bash
# bench/memory_per_call.sh: memory per concurrent call, sipstorm and SIPp, side by side in one run.
#
#   bench/memory_per_call.sh [--quick] [--out mem.json] [--build-dir DIR]   (--help for all options)
#
# Each UAC holds N basic calls open (established, then a 60 s pause before the BYE) against its own
# UAS in a separate process, over UDP on 127.0.0.1; we read the UAC's VmRSS (/proc/PID/status):
#   baseline  the same UAC before any call: SIPp sleeps 3 s after start-up (-sleep) and is sampled
#             then; sipstorm has no such option, so an identical twin `run` command that starts one
#             call and no more (--rate 0.0001) is sampled after 1.5 s, then stopped;
#   at N      once the tool's own live-call count reaches N (sipstorm's live line, SIPp's CurrentCall
#             in its once-a-second -trace_stat CSV); sampled within 50 ms of the count appearing;
#   on the way  the same at the first count between N/4 and N (M calls), for the marginal cost
#             (RSS(N) - RSS(M)) / (N - M), a cross-check that needs no baseline.
# KiB per call = (RSS at N - baseline) / N. The UAS processes' RSS is reported too (baseline taken
# while they listen idle).
#
# Why a separate `sipstorm serve` rather than run's built-in UAS: the built-in UAS lives in the same
# process, so its calls would be counted in the UAC's RSS (two call states per call); SIPp's figure
# is a UAC alone. The call table is sized to the load (--call-slots = 1.25 x N / shards), as a user
# holding N calls would; it is committed lazily, so its size hardly matters.
# Defaults: sipstorm N=100000 at 10000 calls/s, SIPp N=20000 at 1000 calls/s: ramps well below both
# tools' knees (bench/knee.sh), so no retransmission or failure skews the live count; SIPp holds
# fewer calls because it ramps ten times slower (20 s); its per-call cost is flat in N.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=knee_lib.sh
source "$HERE/knee_lib.sh"

usage() {
    cat <<EOF
usage: bench/memory_per_call.sh [options]
  --quick               smoke test: sipstorm N=10000 at 5000/s, SIPp N=4000 at 1000/s
  --out FILE            also write the results as JSON to FILE
  --build-dir DIR       build directory with sipstorm (default: \$SIPSTORM_BUILD, $REPO/build, build-lead)
  --sipstorm-calls N    concurrent calls for sipstorm (default 100000)
  --sipstorm-rate R     its ramp, calls/s (default 10000)
  --sipp-calls N        concurrent calls for SIPp (default 20000)
  --sipp-rate R         its ramp, calls/s (default 1000)
  --shards K            sipstorm shards per process (default 2)
  --only sipp|sipstorm  measure one tool only
  --base-port P         first UDP port (default 43000)
  --keep DIR            keep logs and CSVs in DIR (default: a temp dir, removed)
EOF
}

QUICK=0 OUT="" BUILD="" ONLY="" BASE_PORT=43000 KEEP="" SHARDS=2
STORM_N="" STORM_R="" SIPP_N="" SIPP_R=""
while (( $# )); do
    case $1 in
        --quick) QUICK=1 ;;
        --out) OUT=$2; shift ;;
        --build-dir) BUILD=$2; shift ;;
        --sipstorm-calls) STORM_N=$2; shift ;;
        --sipstorm-rate) STORM_R=$2; shift ;;
        --sipp-calls) SIPP_N=$2; shift ;;
        --sipp-rate) SIPP_R=$2; shift ;;
        --shards) SHARDS=$2; shift ;;
        --only) ONLY=$2; shift ;;
        --base-port) BASE_PORT=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done
if (( QUICK )); then
    : "${STORM_N:=10000}" "${STORM_R:=5000}" "${SIPP_N:=4000}" "${SIPP_R:=1000}"
else
    : "${STORM_N:=100000}" "${STORM_R:=10000}" "${SIPP_N:=20000}" "${SIPP_R:=1000}"
fi

BUILD=$(find_build_dir "$REPO" "$BUILD") || die "no sipstorm binary: build first or pass --build-dir"
SIPSTORM=$BUILD/sipstorm
need sipp sip-tester
SCEN=$REPO/scenarios
if [[ -n $KEEP ]]; then WORK=$KEEP; mkdir -p "$WORK"; else WORK=$(mktemp -d /tmp/mem.XXXXXX); fi

PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p" 1 || true; done
    PIDS=()
    if [[ -z $KEEP ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESULTS=$WORK/results.jsonl
: > "$RESULTS"

# record TOOL KEY=VALUE...: one JSON line of figures for TOOL.
record() {
    python3 - "$RESULTS" "$@" <<'EOF'
import json, sys
path, tool, *kv = sys.argv[1:]
d = {"tool": tool}
for item in kv:
    k, v = item.split("=", 1)
    try:
        d[k] = int(v)
    except ValueError:
        try: d[k] = float(v)
        except ValueError: d[k] = v
open(path, "a").write(json.dumps(d) + "\n")
EOF
}

# sipstorm_live LOG: the live-call count of the last live line, or -1.
sipstorm_live() {
    local n
    n=$(grep -o 'live [0-9]*' "$1" 2>/dev/null | tail -1 | awk '{print $2}')
    echo "${n:--1}"
}
# sipp_live CSV: CurrentCall of the last statistics row, or -1.
sipp_live() {
    [[ -f $1 ]] || { echo -1; return; }
    awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "CurrentCall") c = i; next }
               { n = $c } END { print (c && n != "") ? n : 0 }' "$1"
}

# hold_and_sample TOOL PID N DEADLINE_S LIVEFN SOURCE: polls the tool's own live count every 50 ms;
# samples RSS on the first count in [N/4, N) and on the first >= N. Sets HALF_LIVE HALF_RSS FULL_LIVE FULL_RSS
# (FULL_* = the last values seen if N was never reached), REACHED=1/0.
hold_and_sample() {
    local pid=$2 n=$3 deadline live last=-2 rss
    deadline=$(( $(date +%s) + $4 ))
    HALF_LIVE=0 HALF_RSS=0 FULL_LIVE=0 FULL_RSS=0 REACHED=0
    while alive "$pid" && (( $(date +%s) < deadline )); do
        live=$("$5" "$6")
        if (( live != last )); then
            rss=$(rss_kib "$pid")
            last=$live
            if (( HALF_LIVE == 0 && live * 4 >= n && live < n )); then HALF_LIVE=$live HALF_RSS=$rss; fi
            FULL_LIVE=$live FULL_RSS=$rss
            if (( live >= n )); then REACHED=1; return; fi
        fi
        sleep 0.05
    done
}

measure_sipstorm() {
    local n=$STORM_N r=$STORM_R port=$BASE_PORT slots serve twin run base uas_base uas_rss
    slots=$(( (n * 5 / 4 + SHARDS - 1) / SHARDS ))
    log "sipstorm: $n concurrent calls at $r calls/s, $SHARDS shards, --call-slots $slots"
    "$SIPSTORM" serve "$SCEN/answer.lua" --listen "127.0.0.1:$port" --shards "$SHARDS" -q \
        >"$WORK/storm_serve.log" 2>&1 &
    serve=$!; PIDS=("$serve")
    wait_udp_port "$port" 5 || die "sipstorm serve not listening (see $WORK/storm_serve.log)"
    sleep 0.5
    uas_base=$(rss_kib "$serve")
    local common=(run "$SCEN/basic_call.lua" --target "127.0.0.1:$port" --concurrent "$n" --set hold=60
                  --call-slots "$slots" --shards "$SHARDS")
    "$SIPSTORM" "${common[@]}" --rate 0.0001 -q >"$WORK/storm_twin.log" 2>&1 &
    twin=$!; PIDS+=("$twin")
    sleep 1.5
    base=$(rss_kib "$twin")
    stop_pid "$twin" 1 || true
    "$SIPSTORM" "${common[@]}" --rate "$r" >"$WORK/storm_run.log" 2>&1 &
    run=$!; PIDS=("$serve" "$run")
    hold_and_sample sipstorm "$run" "$n" $(( n / r + 30 )) sipstorm_live "$WORK/storm_run.log"
    uas_rss=$(rss_kib "$serve")
    stop_pid "$run" 1 || true
    stop_pid "$serve" 1 || true
    PIDS=()
    record sipstorm n="$n" rate="$r" reached="$REACHED" baseline_kib="$base" half_live="$HALF_LIVE" \
        half_rss_kib="$HALF_RSS" live="$FULL_LIVE" rss_kib="$FULL_RSS" uas_baseline_kib="$uas_base" \
        uas_rss_kib="$uas_rss" call_slots="$slots" shards="$SHARDS"
}

measure_sipp() {
    local n=$SIPP_N r=$SIPP_R port=$((BASE_PORT + 20)) uas uac base uas_base uas_rss
    log "SIPp: $n concurrent calls at $r calls/s (-d 60000 -l $n)"
    sipp -sn uas -i 127.0.0.1 -p "$port" -mp $((port + 4)) -bind_local -nostdin >"$WORK/sipp_uas.log" 2>&1 &
    uas=$!; PIDS=("$uas")
    wait_udp_port "$port" 5 || die "SIPp UAS not listening (see $WORK/sipp_uas.log)"
    sleep 0.5
    uas_base=$(rss_kib "$uas")
    sipp -sn uac "127.0.0.1:$port" -i 127.0.0.1 -p $((port + 1)) -mp $((port + 12)) -bind_local -nostdin \
        -sleep 3 -r "$r" -d 60000 -l "$n" -m "$n" -timeout "$(( n / r + 40 ))s" \
        -trace_stat -stf "$WORK/sipp_uac.csv" -fd 1 >"$WORK/sipp_uac.log" 2>&1 &
    uac=$!; PIDS+=("$uac")
    sleep 2
    base=$(rss_kib "$uac")
    [[ -f $WORK/sipp_uac.csv ]] && log "SIPp: statistics already started during -sleep: baseline may hold calls"
    hold_and_sample sipp "$uac" "$n" $(( n / r + 30 )) sipp_live "$WORK/sipp_uac.csv"
    uas_rss=$(rss_kib "$uas")
    stop_pid "$uac" 2 || true
    stop_pid "$uas" 1 || true
    PIDS=()
    record sipp n="$n" rate="$r" reached="$REACHED" baseline_kib="$base" half_live="$HALF_LIVE" \
        half_rss_kib="$HALF_RSS" live="$FULL_LIVE" rss_kib="$FULL_RSS" uas_baseline_kib="$uas_base" \
        uas_rss_kib="$uas_rss"
}

MACHINE=$(machine_json)
[[ $ONLY != sipp ]] && measure_sipstorm
[[ $ONLY != sipstorm ]] && measure_sipp

python3 - "$RESULTS" "$MACHINE" "${OUT:-}" <<'EOF'
import json, sys
path, machine, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
res = {"benchmark": "memory per concurrent call (UAC VmRSS), basic call held 60 s, UDP over 127.0.0.1",
       "machine": machine}
for line in open(path):
    d = json.loads(line)
    live = d["live"] or 1
    d["kib_per_call"] = round((d["rss_kib"] - d["baseline_kib"]) / live, 3)
    d["kib_per_call_all_in"] = round(d["rss_kib"] / live, 3)
    dl = d["live"] - d["half_live"]
    d["kib_per_call_marginal"] = round((d["rss_kib"] - d["half_rss_kib"]) / dl, 3) if dl > 0 else None
    d["uas_kib_per_call"] = round((d["uas_rss_kib"] - d["uas_baseline_kib"]) / live, 3)
    res[d.pop("tool")] = d
if "sipp" in res and "sipstorm" in res and res["sipstorm"]["kib_per_call"] > 0:
    res["ratio_sipp_over_sipstorm"] = round(res["sipp"]["kib_per_call"] / res["sipstorm"]["kib_per_call"], 2)
if out:
    with open(out, "w") as f:
        json.dump(res, f, indent=2); f.write("\n")
print()
print(f"memory per concurrent call (UAC RSS; load average {machine['loadavg'][0]}):")
hdr = f"  {'tool':9s} {'calls live':>10s} {'baseline':>10s} {'RSS at N':>10s} {'KiB/call':>9s} {'marginal':>9s} {'all-in':>8s} {'UAS KiB/call':>13s}"
print(hdr)
for tool in ("sipstorm", "sipp"):
    d = res.get(tool)
    if not d: continue
    live = f"{d['live']:,}" + ("" if d["reached"] else f" of {d['n']:,}!")
    m = f"{d['kib_per_call_marginal']:.2f}" if d["kib_per_call_marginal"] is not None else "n/a"
    print(f"  {tool:9s} {live:>10s} {d['baseline_kib'] / 1024:8.1f}Mi {d['rss_kib'] / 1024:8.1f}Mi "
          f"{d['kib_per_call']:9.2f} {m:>9s} {d['kib_per_call_all_in']:8.2f} {d['uas_kib_per_call']:13.2f}")
if "ratio_sipp_over_sipstorm" in res:
    print(f"  SIPp / sipstorm, KiB per call: {res['ratio_sipp_over_sipstorm']}x")
print("  KiB/call = (RSS at N - baseline) / N; marginal = from the first sample >= N/4 to N; all-in = RSS at N / N")
for tool in ("sipstorm", "sipp"):
    d = res.get(tool)
    if d and not d["reached"]:
        print(f"  WARNING: {tool} reached only {d['live']:,} of {d['n']:,} live calls before the deadline")
EOF
