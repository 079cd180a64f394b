#!/usr/bin/env bash
# bench/knee.sh: the knee of the basic call over loopback UDP, SIPp -> SIPp and sipstorm -> sipstorm,
# side by side in one run on the same machine, read against the kernel's own loopback ceiling.
#
#   bench/knee.sh [--quick] [--out knee.json] [--build-dir DIR]      (bench/knee.sh --help for all)
#   bench/knee.sh --transport tcp           the same over TCP, one shared connection (SIPp -t t1)
#   bench/knee.sh --transport tcp-per-call  a new TCP connection per call (SIPp -t tn)
#
# Knee = the highest rate (calls/s) at which a run of --duration seconds (default 5) has
#   * zero failed calls, on the UAC and on the UAS side, and no call still unfinished --grace seconds
#     after the last call was started (such a call is a failure for a no-hold basic call), and
#   * an achieved call rate >= 99% of the target.
# Search, per tool: geometric steps up from a start rate (SIPp 1000 x1.5, sipstorm 5000 x2) until the
# first failure, then --bisect bisections between the last pass and the first fail. The two tools'
# steps alternate, so both see the same machine over the run.
# "Achieved" leaves out start-up and the final drain (in a 2 s step alone they are 1-3% of the time;
# the tools' whole-run figures, which include them, are kept in the JSON), and all but 1% of the
# RATE x DURATION calls must have been started:
#   SIPp:     the rate between its first once-a-second statistics row (t ~ 1 s) and its last one
#             inside the requested window (t ~ DURATION);
#   sipstorm: RATE x DURATION intended calls over DURATION s, the last ones started at most L late,
#             L = the schedule lag in its rows from DURATION - 0.5 s on: attempted / (DURATION + L),
#             a lower bound (builds before the exact per-second series merged per-shard snapshots
#             of different ages, so the verdict keeps this rule to compare across versions).
# Steps must therefore last at least 2 s.
#
# Setup per step (separate processes, UDP over 127.0.0.1, a fresh port block per step):
#   (a) sipp -sn uas  <-  sipp -sn uac -r RATE -m RATE*DURATION       (both single-threaded)
#   (b) sipstorm serve scenarios/answer.lua --shards 2  <-  sipstorm run scenarios/basic_call.lua
#       --rate RATE --duration DURATION --shards 2                     (basic call, no hold)
# Then udp_ceiling (2 s per mode) prints the kernel's loopback ceiling, and a table compares all.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=knee_lib.sh
source "$HERE/knee_lib.sh"

usage() {
    cat <<EOF
usage: bench/knee.sh [options]
  --quick              smoke test: 2 s steps, 1 bisection, short ceiling (about 1-2 minutes)
  --out FILE           also write the results as JSON to FILE
  --build-dir DIR      build directory with sipstorm and bench/udp_ceiling (default: \$SIPSTORM_BUILD,
                       then $REPO/build, then build-lead)
  --duration S         seconds per step (default 5; quick 2)
  --bisect N           bisection steps after the first failure (default 3; quick 1)
  --grace S            after the last call started, how long calls may take to end (default 4; quick 3)
  --shards K           sipstorm shards per process (default 2)
  --sipp-start R       SIPp start rate (default 1000)       --sipp-factor F      (default 1.5)
  --sipstorm-start R   sipstorm start rate (default 5000)   --sipstorm-factor F  (default 2)
  --max-steps N        most geometric steps up per tool (default 8)
  --ceiling-seconds S  udp_ceiling seconds per mode (default 2; quick 1)
  --only sipp|sipstorm measure one tool only (development)
  --base-port P        first UDP port; each step uses a block of 20 above it (default 42000)
  --keep DIR           keep the per-step logs, CSVs and result files in DIR (default: a temp dir, removed)
  --transport T        udp (default); tcp: one shared connection each way (SIPp -t t1, sipstorm
                       --connections shared); tcp-per-call: a connection per call (SIPp -t tn, sipstorm
                       --connections per-call); tls-per-call, tls-resume: sipstorm only (no TLS in
                       SIPp), a connection and handshake per call. Over TCP/TLS the UDP ceiling is not
                       measured (bench/tls_bench.sh adds the OpenSSL handshake ceiling).
EOF
}

QUICK=0 OUT="" BUILD="" DURATION="" BISECT="" GRACE="" SHARDS=2
SIPP_START=1000 SIPP_FACTOR=1.5 STORM_START=5000 STORM_FACTOR=2 MAX_STEPS=8
CEIL_S="" ONLY="" BASE_PORT=42000 KEEP="" TRANSPORT=udp
while (( $# )); do
    case $1 in
        --quick) QUICK=1 ;;
        --out) OUT=$2; shift ;;
        --build-dir) BUILD=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --bisect) BISECT=$2; shift ;;
        --grace) GRACE=$2; shift ;;
        --shards) SHARDS=$2; shift ;;
        --sipp-start) SIPP_START=$2; shift ;;
        --sipp-factor) SIPP_FACTOR=$2; shift ;;
        --sipstorm-start) STORM_START=$2; shift ;;
        --sipstorm-factor) STORM_FACTOR=$2; shift ;;
        --max-steps) MAX_STEPS=$2; shift ;;
        --ceiling-seconds) CEIL_S=$2; shift ;;
        --only) ONLY=$2; shift ;;
        --base-port) BASE_PORT=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        --transport) TRANSPORT=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done
if (( QUICK )); then
    : "${DURATION:=2}" "${BISECT:=1}" "${GRACE:=3}" "${CEIL_S:=1}"
else
    : "${DURATION:=5}" "${BISECT:=3}" "${GRACE:=4}" "${CEIL_S:=2}"
fi

case $TRANSPORT in
    udp) SIPP_T=(); STORM_RUN_T=(); STORM_SERVE_T=() ;;
    tcp) SIPP_T=(-t t1 -max_socket 5000); STORM_RUN_T=(--transport tcp --connections shared); STORM_SERVE_T=(--transport tcp) ;;
    tcp-per-call) SIPP_T=(-t tn -max_socket 15000); STORM_RUN_T=(--transport tcp --connections per-call)
        export KNEE_TRANSPORT=tcp-per-call
        STORM_SERVE_T=(--transport tcp) ;;
    tls-per-call|tls-resume)  # SIPp has no TLS here: sipstorm only, certificates made with openssl
        ONLY=sipstorm
        CERTS=$(mktemp -d /tmp/knee-certs.XXXXXX)
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CERTS/ca.key" -out "$CERTS/ca.pem" -days 2 \
            -subj "/CN=knee CA" -addext "basicConstraints=critical,CA:TRUE" >/dev/null 2>&1 &&
            openssl req -newkey rsa:2048 -nodes -keyout "$CERTS/server.key" -out "$CERTS/server.csr" -subj "/CN=knee" \
                >/dev/null 2>&1 && printf "subjectAltName=IP:127.0.0.1\n" >"$CERTS/ext" &&
            openssl x509 -req -in "$CERTS/server.csr" -CA "$CERTS/ca.pem" -CAkey "$CERTS/ca.key" -CAcreateserial \
                -out "$CERTS/server.pem" -days 2 -extfile "$CERTS/ext" >/dev/null 2>&1 || die "openssl failed"
        STORM_RUN_T=(--transport tls --connections per-call --tls-ca "$CERTS/ca.pem")
        [[ $TRANSPORT == tls-resume ]] && STORM_RUN_T+=(--tls-resume)
        STORM_SERVE_T=(--transport tls --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key") ;;
    *) die "--transport must be udp, tcp, tcp-per-call, tls-per-call or tls-resume" ;;
esac
# wait_sip_port PORT SECONDS: the SIP listener of a step is up (UDP, or TCP).
wait_sip_port() {
    [[ $TRANSPORT == udp ]] && { wait_udp_port "$@"; return; }
    local tries=$(( $2 * 20 ))
    while (( tries-- > 0 )); do
        ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
        sleep 0.05
    done
    return 1
}

if ! [[ $DURATION =~ ^[0-9]+$ ]] || (( DURATION < 2 )); then
    die "--duration must be a whole number of seconds >= 2"
fi

BUILD=$(find_build_dir "$REPO" "$BUILD") || die "no sipstorm binary: build first or pass --build-dir"
SIPSTORM=$BUILD/sipstorm
CEILING=$BUILD/bench/udp_ceiling
[[ $TRANSPORT != udp || -x $CEILING ]] || die "$CEILING missing: cmake --build $BUILD --target udp_ceiling"
need sipp sip-tester
SCEN=$REPO/scenarios

if [[ -n $KEEP ]]; then WORK=$KEEP; mkdir -p "$WORK"; else WORK=$(mktemp -d /tmp/knee.XXXXXX); fi
STEPS=$WORK/steps.jsonl
: > "$STEPS"

# Processes of the current step, stopped by PID on any exit.
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p" 1 || true; done
    PIDS=()
    if [[ -z $KEEP ]]; then rm -rf "$WORK"; fi
    if [[ -n ${CERTS:-} ]]; then rm -rf "$CERTS"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NEXT_PORT=$BASE_PORT
# next_port_block: a block of 20 free UDP ports for one step (SIP of UAS/UAC, SIPp media ports).
next_port_block() {
    local p
    while :; do
        p=$NEXT_PORT
        NEXT_PORT=$(( NEXT_PORT + 20 ))
        udp_port_free "$p" && udp_port_free $((p + 1)) && udp_port_free $((p + 4)) &&
            udp_port_free $((p + 12)) && ! ss -Htan "sport = :$p" 2>/dev/null | grep -q . && { PORT=$p; return; }
    done
}

# analyse TOOL RATE DIR: reads a step's files, appends one JSON line to $STEPS, prints a summary line
# on stderr; exit status 0 when the step passes.
analyse() {
    python3 - "$@" "$DURATION" "$STEPS" <<'EOF'
import csv, json, os, sys
tool, rate, d, duration, steps_path = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5]

def sipp_rows(path):
    try:
        rows = list(csv.reader(open(path), delimiter=';'))
    except OSError:
        return []
    out = []
    for r in rows[1:]:
        row = dict(zip(rows[0], r))
        start = float(row["StartTime"].split("\t")[-1])
        now = float(row["CurrentTime"].split("\t")[-1])
        row["_elapsed"] = now - start
        out.append(row)
    return out

def num(row, key):
    try:
        return int(row.get(key, 0) or 0)
    except ValueError:
        return 0

def steady(samples):
    """Calls/s started between the first once-a-second sample (t >= 0.9 s, after start-up) and the
    last periodic one inside the requested window (t <= duration + 0.1 s, before the drain). The
    last sample of both tools is the final, partial one written at exit: never used."""
    inside = [(t, n) for t, n in samples[:-1] if 0.9 <= t <= duration + 0.1]
    if len(inside) < 2:
        return 0.0
    (t0, n0), (t1, n1) = inside[0], inside[-1]
    return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

step = {"tool": tool, "rate": rate, "duration_s": duration}
if tool == "sipp":
    goal = int(round(rate * duration))
    uac, uas = sipp_rows(f"{d}/uac.csv"), sipp_rows(f"{d}/uas.csv")
    last = uac[-1] if uac else {}
    attempted = num(last, "OutgoingCall(C)")
    succeeded = num(last, "SuccessfulCall(C)")
    failed = num(last, "FailedCall(C)")
    retrans = num(last, "Retransmissions(C)")
    achieved = steady([(r["_elapsed"], num(r, "OutgoingCall(C)")) for r in uac])
    whole = attempted / last["_elapsed"] if last and last["_elapsed"] > 0 else 0.0
    uas_last = uas[-1] if uas else {}
    uas_failed = num(uas_last, "FailedCall(C)")
    if os.environ.get("KNEE_TRANSPORT") == "tcp-per-call":
        # SIPp's built-in UAS ends each call with a 4 s pause (for a lost 200 to the BYE); the UAC's
        # close of its per-call connection during it counts as a UAS failure, "TcpClosed", even
        # though the call is complete. Those are not failures of the load.
        step["uas_tcp_closed_after_call"] = num(uas_last, "FailedTcpClosed(C)")
        uas_failed -= step["uas_tcp_closed_after_call"]
    step.update(uas_failed=uas_failed, uas_retransmissions=num(uas_last, "Retransmissions(C)"))
    reasons = {k[6:-3]: num(last, k) for k in last if k.startswith("Failed") and k.endswith("(C)")
               and k != "FailedCall(C)" and num(last, k)}
    step.update(failed_by=reasons, uac_exit=open(f"{d}/uac.rc").read().strip())
    if attempted < goal:
        step["not_started"] = goal - attempted
else:
    try:
        r = json.load(open(f"{d}/run.json"))
    except (OSError, ValueError):
        r = {}
    try:
        s = json.load(open(f"{d}/serve.json"))
    except (OSError, ValueError):
        s = {}
    c = r.get("calls", {})
    attempted, succeeded, failed = c.get("attempted", 0), c.get("succeeded", 0), c.get("failed", 0)
    retrans = r.get("retransmissions", {}).get("total", 0)
    # The per-second series is exact now (each shard's events in the second they happened), but
    # older builds' rows merged per-shard snapshots that could be a second apart, so the verdict does
    # not use the series' counts and stays comparable across versions. The arrival schedule intends exactly RATE x DURATION calls over
    # DURATION s and measures how late it starts them (lag). The run-wide lag_ms_max is mostly the
    # shard threads' start-up (the schedule's clock starts before they run), which is left out as
    # SIPp's start-up is; the lag in the rows from DURATION - 0.5 s on bounds how late the last calls
    # were started, so attempted / (DURATION + that lag) bounds the achieved rate from below.
    rows = r.get("series", [])
    lag_s = max([row.get("lag_max_ms", 0) for row in rows if row["t"] >= duration - 0.5] or [0]) / 1000.0
    step["lag_ms_end"] = round(lag_s * 1000, 1)
    achieved = attempted / (duration + lag_s) if r else 0.0
    cum, samples = 0, []
    for row in r.get("series", []):
        cum += row["attempted"]
        samples.append((row["t"], cum))
    step["achieved_series"] = round(steady(samples), 1)
    whole = r.get("rate", {}).get("achieved", 0.0)
    g = r.get("generator", {})
    step.update(saturated=g.get("saturated"), saturation_reason=g.get("saturation_reason", ""),
                lag_ms_max=g.get("lag_ms_max"), busy_share=g.get("busy_share"), rx_drops=g.get("rx_drops"),
                setup_p50_ms=r.get("latency_ms", {}).get("setup", {}).get("p50"),
                setup_p99_ms=r.get("latency_ms", {}).get("setup", {}).get("p99"),
                failed_by={k: v for k, v in c.get("failed_by_reason", {}).items() if v},
                failed_detail=c.get("failed_by_detail", {}), retrans_by={k: v for k, v in
                r.get("retransmissions", {}).get("by_type", {}).items() if v},
                uac_exit=open(f"{d}/run.rc").read().strip())
    sc = s.get("calls", {})
    sg = s.get("generator", {})
    step.update(uas_failed=sc.get("failed", 0), uas_retransmissions=s.get("retransmissions", {}).get("total", 0),
                uas_saturated=sg.get("saturated"), uas_rx_drops=sg.get("rx_drops"),
                uas_failed_by={k: v for k, v in sc.get("failed_by_reason", {}).items() if v})
    if not r:
        step["error"] = "no run.json (see run.log)"
unfinished = max(0, attempted - succeeded - failed)
step.update(attempted=attempted, succeeded=succeeded, failed=failed, unfinished=unfinished,
            retransmissions=retrans, achieved=round(achieved, 1), achieved_whole_run=round(whole, 1),
            achieved_share=round(achieved / rate, 4) if rate else 0)
why = []
if failed: why.append(f"{failed} failed {step.get('failed_by') or ''}".strip())
if unfinished: why.append(f"{unfinished} unfinished")
if step.get("uas_failed"): why.append(f"UAS {step['uas_failed']} failed")
if achieved < 0.99 * rate: why.append(f"achieved {achieved:.0f}/s = {100 * achieved / rate:.1f}% of target")
if attempted < 0.99 * rate * duration:
    why.append(f"started {attempted} of {rate * duration:.0f} scheduled calls")
if attempted == 0: why.append("no calls (see logs)")
step["pass"] = not why
notes = list(why)
if retrans: notes.append(f"{retrans} retransmissions")
if step.get("uas_retransmissions"): notes.append(f"UAS {step['uas_retransmissions']} retransmissions")
if step.get("saturated"): notes.append(f"generator saturated ({step.get('saturation_reason')})")
if step.get("uas_saturated"): notes.append("UAS saturated")
step["why"] = "; ".join(notes)
with open(steps_path, "a") as f:
    f.write(json.dumps(step) + "\n")
print(f"  {tool:8s} {rate:9.0f} cps: {'PASS' if step['pass'] else 'FAIL'}  attempted {attempted} ok {succeeded} "
      f"failed {failed} unfinished {unfinished} retrans {retrans} achieved {achieved:.0f}/s"
      + (f"  [{step['why']}]" if step["why"] else ""), file=sys.stderr)
sys.exit(0 if step["pass"] else 1)
EOF
}

# sipp_step RATE: SIPp UAC -> SIPp UAS for DURATION seconds at RATE; status 0 on a pass.
sipp_step() {
    local rate=$1 d uas uac calls
    next_port_block
    d=$WORK/sipp_${rate}_$PORT
    mkdir -p "$d"
    calls=$(( rate * DURATION ))
    sipp -sn uas -i 127.0.0.1 -p "$PORT" -mp $((PORT + 4)) -bind_local -nostdin "${SIPP_T[@]}" \
        -trace_stat -stf "$d/uas.csv" -fd 1 >"$d/uas.log" 2>&1 &
    uas=$!; PIDS=("$uas")
    wait_sip_port "$PORT" 5 || log "SIPp UAS not listening on $PORT (see $d/uas.log)"
    # Fixed -r (calls per -rp 1000 ms), no -rate_increase, -l left to its default (3 x rate x 1 s).
    sipp -sn uac "127.0.0.1:$PORT" -i 127.0.0.1 -p $((PORT + 1)) -mp $((PORT + 12)) -bind_local -nostdin "${SIPP_T[@]}" \
        -r "$rate" -rp 1000 -m "$calls" -timeout "$((DURATION + GRACE))s" \
        -trace_stat -stf "$d/uac.csv" -fd 1 >"$d/uac.log" 2>&1 &
    uac=$!; PIDS+=("$uac")
    # -timeout alone does not end SIPp while calls wait for retransmissions (it waits for them), so
    # the same bound is enforced from here: SIGINT makes SIPp quit and write its last CSV row.
    wait_bounded "$uac" $((DURATION + GRACE + 1))
    echo "$RC" >"$d/uac.rc"
    stop_pid "$uas" 3 || true
    PIDS=()
    analyse sipp "$rate" "$d"
}

# sipstorm_step RATE: sipstorm run -> sipstorm serve for DURATION seconds at RATE; status 0 on a pass.
sipstorm_step() {
    local rate=$1 d serve run
    next_port_block
    d=$WORK/sipstorm_${rate}_$PORT
    mkdir -p "$d"
    "$SIPSTORM" serve "$SCEN/answer.lua" --listen "127.0.0.1:$PORT" --shards "$SHARDS" -q "${STORM_SERVE_T[@]}" \
        --out "$d/serve.json" >"$d/serve.log" 2>&1 &
    serve=$!; PIDS=("$serve")
    wait_sip_port "$PORT" 5 || log "sipstorm serve not listening on $PORT (see $d/serve.log)"
    "$SIPSTORM" run "$SCEN/basic_call.lua" --target "127.0.0.1:$PORT" --rate "$rate" "${STORM_RUN_T[@]}" \
        --duration "${DURATION}s" --shards "$SHARDS" -q --out "$d/run.json" >"$d/run.log" 2>&1 &
    run=$!; PIDS+=("$run")
    # run stops starting calls at DURATION; calls still live GRACE s later count as unfinished
    # (SIGINT: stop; a second SIGINT 2 s later: end now, the result file says concurrent_at_end).
    wait_bounded "$run" $((DURATION + 1 + GRACE))
    echo "$RC" >"$d/run.rc"
    stop_pid "$serve" 3 || true
    PIDS=()
    analyse sipstorm "$rate" "$d"
}

# The search, one state per tool. The two searches run interleaved (a SIPp step, a sipstorm step, ...)
# so that both tools see the same machine over the run, whatever else it is doing.
#   up      geometric steps up from the start rate until the first failure (at most --max-steps passes)
#   down    failed at the start rate: steps down by the same factor until a pass (at most 4)
#   bisect  --bisect steps between the highest pass (LO, the knee) and the lowest failure (HI)
declare -A PHASE RATE LO HI FACTOR UPS DOWNS BISECTS

search_init() {  # TOOL START FACTOR
    PHASE[$1]=up RATE[$1]=$2 FACTOR[$1]=$3 LO[$1]=0 HI[$1]=0 UPS[$1]=0 DOWNS[$1]=0 BISECTS[$1]=0
    log "$1: searching from $2 cps (x$3, then $BISECT bisections), ${DURATION} s steps"
}

scale() {  # RATE FACTOR: RATE x FACTOR, rounded to 50 cps
    python3 -c "print(max(50, int(round($1 * $2 / 50.0) * 50)))"
}

search_feed() {  # TOOL PASSED(1/0): records a step's verdict, sets the tool's next RATE or PHASE=finished
    local t=$1 ok=$2 r=${RATE[$1]} mid
    if (( ok )); then LO[$t]=$r; else HI[$t]=$r; fi
    case ${PHASE[$t]} in
        up)
            if (( ok )); then
                UPS[$t]=$(( UPS[$t] + 1 ))
                if (( UPS[$t] >= MAX_STEPS )); then
                    PHASE[$t]=finished
                    log "$t: no failure up to $r cps: its knee is at least that"
                else
                    RATE[$t]=$(scale "$r" "${FACTOR[$t]}")
                fi
                return
            fi
            if (( LO[$t] == 0 )); then PHASE[$t]=down RATE[$t]=$(scale "$r" "1/${FACTOR[$t]}"); return; fi
            PHASE[$t]=bisect ;;
        down)
            if (( ! ok )); then
                DOWNS[$t]=$(( DOWNS[$t] + 1 ))
                if (( DOWNS[$t] >= 4 )); then PHASE[$t]=finished; else RATE[$t]=$(scale "$r" "1/${FACTOR[$t]}"); fi
                return
            fi
            PHASE[$t]=bisect ;;
    esac
    mid=$(( (LO[$t] + HI[$t]) / 2 / 50 * 50 ))
    if (( BISECTS[$t] >= BISECT || mid <= LO[$t] || mid >= HI[$t] )); then
        PHASE[$t]=finished
    else
        RATE[$t]=$mid BISECTS[$t]=$(( BISECTS[$t] + 1 ))
    fi
}

log "sipstorm: $SIPSTORM; SIPp: $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1); work dir $WORK"
MACHINE_START=$(machine_json)
START_TS=$(date +%s)
search_init sipp "$SIPP_START" "$SIPP_FACTOR"
search_init sipstorm "$STORM_START" "$STORM_FACTOR"
[[ $ONLY == sipstorm ]] && PHASE[sipp]=finished
[[ $ONLY == sipp ]] && PHASE[sipstorm]=finished
while [[ ${PHASE[sipp]} != finished || ${PHASE[sipstorm]} != finished ]]; do
    for tool in sipp sipstorm; do
        [[ ${PHASE[$tool]} == finished ]] && continue
        if "${tool}_step" "${RATE[$tool]}"; then search_feed "$tool" 1; else search_feed "$tool" 0; fi
    done
done
SIPP_LO=${LO[sipp]} SIPP_HI=${HI[sipp]} STORM_LO=${LO[sipstorm]} STORM_HI=${HI[sipstorm]}

if [[ $TRANSPORT == udp ]]; then
    log "udp_ceiling: ${CEIL_S} s per mode"
    "$CEILING" --seconds "$CEIL_S" | tee "$WORK/ceiling.txt"
else
    : > "$WORK/ceiling.txt"
fi
MACHINE_END=$(machine_json)
ELAPSED=$(( $(date +%s) - START_TS ))

python3 - "$STEPS" "$WORK/ceiling.txt" "$SIPP_LO" "$SIPP_HI" "$STORM_LO" "$STORM_HI" "$MACHINE_START" \
    "$MACHINE_END" "$ELAPSED" "$DURATION" "$SHARDS" "$QUICK" "${OUT:-}" "$TRANSPORT" <<'EOF'
import json, sys
(steps_path, ceil_path, sipp_lo, sipp_hi, storm_lo, storm_hi, m0, m1, elapsed, duration, shards, quick,
 out, transport) = sys.argv[1:]
wire = {"udp": "UDP", "tcp": "TCP, one shared connection (SIPp -t t1)",
        "tcp-per-call": "TCP, a new connection per call (SIPp -t tn)",
        "tls-per-call": "TLS, a new connection and full handshake per call",
        "tls-resume": "TLS, a new connection per call, sessions resumed"}[transport]
steps = [json.loads(l) for l in open(steps_path) if l.strip()]
ceiling = {}
for line in open(ceil_path):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if "mode" in kv:
        ceiling[kv["mode"]] = {"datagrams_per_s": float(kv["datagrams_per_s"]),
                               "calls_per_s_equiv": float(kv["datagrams_per_s"]) / 7}
sipp_k, storm_k = int(sipp_lo), int(storm_lo)
def first_fail(tool, hi):
    for s in steps:
        if s["tool"] == tool and int(s["rate"]) == int(hi):
            return s
    return None
res = {
    "benchmark": f"basic call (INVITE/100/180/200/ACK/BYE/200), {wire} over 127.0.0.1, no hold",
    "transport": transport,
    "criterion": "zero failed (UAC and UAS) and zero unfinished calls, achieved >= 99% of target, "
                 f"{duration} s per step",
    "quick": quick == "1", "elapsed_s": int(elapsed), "step_s": float(duration),
    "machine": {"at_start": json.loads(m0), "at_end": json.loads(m1)},
    "sipp": {"knee_cps": sipp_k, "first_fail_cps": int(sipp_hi) or None,
             "first_fail": first_fail("sipp", sipp_hi), "setup": "sipp -sn uac -> sipp -sn uas"},
    "sipstorm": {"knee_cps": storm_k, "first_fail_cps": int(storm_hi) or None,
                 "first_fail": first_fail("sipstorm", storm_hi),
                 "setup": f"sipstorm run basic_call.lua -> sipstorm serve answer.lua, {shards} shards each"},
    "ratio_sipstorm_over_sipp": round(storm_k / sipp_k, 2) if sipp_k and storm_k else None,
    "kernel_ceiling": ceiling,
    "sipstorm_share_of_plain_ceiling": round(storm_k / ceiling["plain"]["calls_per_s_equiv"], 3)
        if storm_k and "plain" in ceiling else None,
    "steps": steps,
}
if out:
    with open(out, "w") as f:
        json.dump(res, f, indent=2); f.write("\n")

def k(tool, lo, hi):
    lo, hi = int(lo), int(hi)
    if not lo: return "none found"
    return f"{lo:,}" + ("" if hi else " (no failure seen: at least)")
print()
print("steps:")
print(f"  {'tool':8s} {'target':>8s} {'result':6s} {'achieved':>9s} {'failed':>7s} {'unfin.':>7s} {'retrans':>8s}  why / notes")
for s in steps:
    print(f"  {s['tool']:8s} {s['rate']:8.0f} {'pass' if s['pass'] else 'FAIL':6s} {s['achieved']:9.0f} "
          f"{s['failed']:7d} {s['unfinished']:7d} {s['retransmissions']:8d}  {s['why']}")
print()
print(f"knee of the basic call, {duration} s steps, loopback {wire}, same machine, one run "
      f"(load average at start {json.loads(m0)['loadavg'][0]}, at end {json.loads(m1)['loadavg'][0]}):")
rows = [("SIPp -> SIPp knee (calls/s)", k("sipp", sipp_lo, sipp_hi)),
        (f"sipstorm -> sipstorm knee (calls/s, {shards}+{shards} shards)", k("sipstorm", storm_lo, storm_hi)),
        ("ratio sipstorm / SIPp", (f"{res['ratio_sipstorm_over_sipp']}x" + ("" if int(sipp_hi) and int(storm_hi)
         else " (a knee without a failure above it is a lower bound)")) if res['ratio_sipstorm_over_sipp'] else "n/a")]
for mode in ("plain", "gso", "gso_gro"):
    c = ceiling.get(mode)
    if c:
        rows.append((f"kernel ceiling {mode} (datagrams/s | calls/s = /7)",
                     f"{c['datagrams_per_s']:,.0f} | {c['calls_per_s_equiv']:,.0f}"))
share = res["sipstorm_share_of_plain_ceiling"]
rows.append(("sipstorm knee / plain-sendmmsg ceiling", f"{100 * share:.1f}%" if share else "n/a"))
w = max(len(a) for a, _ in rows)
for a, b in rows:
    print(f"  {a:<{w}}  {b}")
for tool in ("sipp", "sipstorm"):
    f = res[tool]["first_fail"]
    if f:
        print(f"  lowest failing {tool} step ({f['rate']:.0f} cps): {f['why']}")
print(f"(whole run {elapsed} s" + (f"; JSON in {out})" if out else ")"))
EOF
