#!/usr/bin/env bash
# bench/idle_latency.sh: what an idle or lightly loaded sipstorm costs and how promptly it answers.
#
#   bench/idle_latency.sh [--out idle.json] [--build-dir DIR]      (bench/idle_latency.sh --help for all)
#
# (a) idle CPU: `sipstorm serve scenarios/answer.lua` (2 shards, no traffic) for --idle-seconds
#     (default 10); its CPU time (utime + stime from /proc/PID/stat) over the wall time, in cores.
#     Anchor, same run: the same serve with --busy-poll (what spinning costs) for --anchor-seconds.
#     Target: < 1% of a core.
# (b) low-rate latency: `sipstorm run scenarios/basic_call.lua --target` -> a separate
#     `sipstorm serve scenarios/answer.lua`, both on this machine (2 shards each, so the four pinned
#     shards share 2 cores), at --rate (500) calls/s for --seconds (20); setup p50 and p99 from the
#     run's result file (--out). Targets: p50 < 0.3 ms, p99 < 2 ms. Anchor, same run: the same
#     `run` against `sipp -sn uas` (skipped with --no-sipp or when sipp is missing).
# (c) timer lateness: how late the shards handled a timer or a scheduled call start after its
#     deadline (result file: generator.timer_late_ms_*), for the run and the serve of (b). Target:
#     the run's p99 < 0.1 ms.
# Prints every figure with pass/fail, the load average at start and end; exit 1 when a target failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=knee_lib.sh
source "$HERE/knee_lib.sh"

usage() {
    cat <<EOF
usage: bench/idle_latency.sh [options]
  --out FILE            also write the figures as JSON to FILE
  --build-dir DIR       build directory with sipstorm (default: \$SIPSTORM_BUILD, then $REPO/build)
  --idle-seconds S      idle serve measurement (default 10)
  --anchor-seconds S    idle serve --busy-poll measurement (default 3; 0 = skip)
  --rate R              calls/s for (b) (default 500)
  --seconds S           duration of (b) (default 20)
  --shards K            shards per sipstorm process (default 2)
  --no-sipp             skip the SIPp UAS anchor of (b)
  --base-port P         first UDP port (default 43000)
  --keep DIR            keep logs and result files in DIR (default: a temp dir, removed)
EOF
}

OUT="" BUILD="" IDLE_S=10 ANCHOR_S=3 RATE=500 SECONDS_B=20 SHARDS=2 SIPP=1 BASE_PORT=43000 KEEP=""
while (( $# )); do
    case $1 in
        --out) OUT=$2; shift ;;
        --build-dir) BUILD=$2; shift ;;
        --idle-seconds) IDLE_S=$2; shift ;;
        --anchor-seconds) ANCHOR_S=$2; shift ;;
        --rate) RATE=$2; shift ;;
        --seconds) SECONDS_B=$2; shift ;;
        --shards) SHARDS=$2; shift ;;
        --no-sipp) SIPP=0 ;;
        --base-port) BASE_PORT=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done

BUILD=$(find_build_dir "$REPO" "$BUILD") || die "no sipstorm binary: build first or pass --build-dir"
SIPSTORM=$BUILD/sipstorm
SCEN=$REPO/scenarios
if (( SIPP )) && ! command -v sipp >/dev/null; then
    log "sipp not found (Debian package sip-tester): no SIPp anchor"
    SIPP=0
fi

if [[ -n $KEEP ]]; then WORK=$KEEP; mkdir -p "$WORK"; else WORK=$(mktemp -d /tmp/idle_latency.XXXXXX); fi
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p" 2 || true; done
    PIDS=()
    if [[ -z $KEEP ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$BASE_PORT
free_port() {  # sets PORT to the next free pair PORT, PORT+1 at or above it
    while ! { udp_port_free "$PORT" && udp_port_free $((PORT + 1)) && udp_port_free $((PORT + 4)); }; do
        PORT=$((PORT + 10))
    done
}

# cpu_ticks PID: utime + stime of the whole process, in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)

# idle_share SECONDS [ARGS...]: an idle serve's CPU use over SECONDS, in cores (e.g. 0.004).
idle_share() {
    local secs=$1 pid t0 t1 c0 c1
    shift
    free_port
    "$SIPSTORM" serve "$SCEN/answer.lua" --listen "127.0.0.1:$PORT" --shards "$SHARDS" -q "$@" \
        >"$WORK/idle_$PORT.log" 2>&1 &
    pid=$!; PIDS=("$pid")
    wait_udp_port "$PORT" 5 || die "serve not listening on $PORT (see $WORK/idle_$PORT.log)"
    sleep 1  # start-up is not idleness
    c0=$(cpu_ticks "$pid"); t0=$(date +%s%N)
    sleep "$secs"
    c1=$(cpu_ticks "$pid"); t1=$(date +%s%N)
    stop_pid "$pid" 3 || true
    PIDS=()
    PORT=$((PORT + 10))
    python3 -c "print(f'{($c1 - $c0) / $TCK / (($t1 - $t0) / 1e9):.4f}')"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average at start: $LOAD_START"

log "(a) idle serve, ${IDLE_S} s"
IDLE=$(idle_share "$IDLE_S")
BUSY=""
if (( ANCHOR_S > 0 )); then
    log "(a) anchor: idle serve --busy-poll, ${ANCHOR_S} s"
    BUSY=$(idle_share "$ANCHOR_S" --busy-poll)
fi

# low_rate NAME: run -> the UAS already listening on $PORT for SECONDS_B at RATE, result in NAME.json.
low_rate() {
    local name=$1 pid
    "$SIPSTORM" run "$SCEN/basic_call.lua" --target "127.0.0.1:$PORT" --rate "$RATE" \
        --duration "${SECONDS_B}s" --shards "$SHARDS" -q --out "$WORK/$name.json" >"$WORK/$name.log" 2>&1 &
    pid=$!; PIDS+=("$pid")
    wait_bounded "$pid" $((SECONDS_B + 10))
    echo "$RC" >"$WORK/$name.rc"
}

log "(b) run -> serve at $RATE calls/s, ${SECONDS_B} s"
free_port
"$SIPSTORM" serve "$SCEN/answer.lua" --listen "127.0.0.1:$PORT" --shards "$SHARDS" -q \
    --out "$WORK/serve.json" >"$WORK/serve.log" 2>&1 &
PIDS=("$!")
wait_udp_port "$PORT" 5 || die "serve not listening on $PORT (see $WORK/serve.log)"
low_rate run
stop_pid "${PIDS[0]}" 3 || true
PIDS=()
PORT=$((PORT + 10))

if (( SIPP )); then
    log "(b) anchor: run -> sipp -sn uas at $RATE calls/s, ${SECONDS_B} s"
    free_port
    sipp -sn uas -i 127.0.0.1 -p "$PORT" -mp $((PORT + 4)) -bind_local -nostdin >"$WORK/sipp.log" 2>&1 &
    PIDS=("$!")
    wait_udp_port "$PORT" 5 || die "SIPp UAS not listening on $PORT (see $WORK/sipp.log)"
    low_rate run_sipp
    stop_pid "${PIDS[0]}" 3 || true
    PIDS=()
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$WORK" "$IDLE" "${BUSY:-}" "$RATE" "$SECONDS_B" "$SHARDS" "$LOAD_START" "$LOAD_END" "$OUT" \
    "$(machine_json)" <<'EOF'
import json, os, sys
work, idle, busy, rate, secs, shards, load0, load1, out, machine = sys.argv[1:11]
idle = float(idle)
busy = float(busy) if busy else None

def result(name):
    try:
        return json.load(open(os.path.join(work, name + ".json")))
    except (OSError, ValueError):
        return {}

def figures(r):
    s = r.get("latency_ms", {}).get("setup", {})
    g = r.get("generator", {})
    c = r.get("calls", {})
    return {"setup_p50_ms": s.get("p50"), "setup_p99_ms": s.get("p99"), "setup_max_ms": s.get("max"),
            "attempted": c.get("attempted"), "failed": c.get("failed"), "lag_ms_max": g.get("lag_ms_max"),
            "timer_late_ms_p50": g.get("timer_late_ms_p50"), "timer_late_ms_p99": g.get("timer_late_ms_p99"),
            "timer_late_ms_max": g.get("timer_late_ms_max"), "timer_late_count": g.get("timer_late_count")}

run, serve, sipp = figures(result("run")), figures(result("serve")), figures(result("run_sipp"))
checks = []
def check(name, value, op, target):
    ok = value is not None and (value < target if op == "<" else value > target)
    checks.append({"figure": name, "value": value, "target": f"{op} {target}", "pass": ok})

check("idle serve CPU (cores)", idle, "<", 0.01)
check("run -> serve setup p50 (ms)", run["setup_p50_ms"], "<", 0.3)
check("run -> serve setup p99 (ms)", run["setup_p99_ms"], "<", 2.0)
check("run timer lateness p99 (ms)", run["timer_late_ms_p99"], "<", 0.1)
check("run -> serve failed calls", run["failed"], "<", 1)

def fmt(v, spec=".3f"):
    return "-" if v is None else format(v, spec)

print(f"== idle and low-rate latency ({shards} shards per process; load {load0} -> {load1}) ==")
print(f"(a) idle serve CPU: {idle * 100:.2f}% of a core"
      + (f"   (anchor --busy-poll: {busy * 100:.1f}%, ratio {idle / busy:.4f})" if busy else ""))
print(f"(b) run -> serve at {rate} calls/s for {secs} s: {run['attempted']} calls, {run['failed']} failed; "
      f"setup p50 {fmt(run['setup_p50_ms'])} ms p99 {fmt(run['setup_p99_ms'])} ms max {fmt(run['setup_max_ms'])} ms;"
      f" lag max {fmt(run['lag_ms_max'], '.1f')} ms")
if sipp["attempted"] is not None:
    ratio = (f", ratio p50 {run['setup_p50_ms'] / sipp['setup_p50_ms']:.2f}"
             if run["setup_p50_ms"] is not None and sipp["setup_p50_ms"] else "")
    print(f"    anchor run -> sipp -sn uas: setup p50 {fmt(sipp['setup_p50_ms'])} ms "
          f"p99 {fmt(sipp['setup_p99_ms'])} ms{ratio}")
print(f"(c) timers late: run p50 {fmt(run['timer_late_ms_p50'])} p99 {fmt(run['timer_late_ms_p99'])} "
      f"max {fmt(run['timer_late_ms_max'])} ms ({run['timer_late_count']} samples); serve p50 "
      f"{fmt(serve['timer_late_ms_p50'])} p99 {fmt(serve['timer_late_ms_p99'])} max {fmt(serve['timer_late_ms_max'])} ms")
print()
for c in checks:
    print(f"  {'PASS' if c['pass'] else 'FAIL'}  {c['figure']}: {c['value']} (target {c['target']})")
doc = {"machine": json.loads(machine), "load_start": load0, "load_end": load1, "rate": float(rate),
       "seconds": float(secs), "shards": int(shards), "idle_cpu_cores": idle, "idle_cpu_cores_busy_poll": busy,
       "run_to_serve": run, "serve": serve, "run_to_sipp": sipp if sipp["attempted"] is not None else None,
       "checks": checks}
if out:
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
sys.exit(0 if all(c["pass"] for c in checks) else 1)
EOF
