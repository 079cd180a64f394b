#!/usr/bin/env bash
# bench/soak.sh: a long run at a fixed rate with held calls; the generator must not leak.
#
#   bench/soak.sh [--quick] [--rate R] [--hold S] [--duration S] [--out soak.json]   (--help for all)
#
# `sipstorm run basic_call.lua` (hold S seconds, so rate x hold calls are live at any time) against a
# `sipstorm serve answer.lua` in another process, both on 127.0.0.1, for an hour (5 minutes with
# --quick). Every 10 s the script samples, for both processes, the RSS (/proc/PID/status) and from
# their /metrics endpoints (--metrics) the live calls (call slots in use), the timers armed, the call
# slots ever used and the memory of the per-second series kept for the result file. Between the
# warm-up (2 x hold + 20 s: the live count has reached its level) and the end of the load, RSS, live
# calls and timers must stay flat: the mean over the last third of those samples may exceed the mean
# over the first third by less than 1% (counts: or by at most 10). The anchor is the same process's
# own figure after warm-up, in the same run; the ratio is printed. RSS is judged without the series'
# own memory, which grows by design (a row a second, sipstorm_series_bytes), and printed with it too.
# The slots ever used (a high-water mark: a burst of calls on a stalled machine raises it, and the
# RSS with it) are printed, not judged. At the end the run must have zero failed calls, and its result
# file must stay bounded: a series row per second (a minute after the first hour), at most 3 KiB each.
# Run it on an otherwise idle machine: on a loaded one the bursts show up as RSS growth.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=knee_lib.sh
source "$HERE/knee_lib.sh"

usage() {
    cat <<EOF
usage: bench/soak.sh [options]
  --quick            5 minutes instead of an hour
  --duration S       run time in seconds (default 3600, --quick 300)
  --rate R           calls per second (default 200)
  --hold S           seconds each call is held between ACK and BYE (default 5)
  --shards K         shards of each process (default 1)
  --out FILE         also write the samples and verdicts as JSON to FILE
  --build-dir DIR    build directory with sipstorm (default: \$SIPSTORM_BUILD, $REPO/build, build-lead)
  --base-port P      UDP port of serve; P+1, P+2 are the metrics ports (default 44000)
  --keep DIR         keep logs, samples and the result file in DIR (default: a temp dir, removed)
EOF
}

QUICK=0 DURATION="" RATE=200 HOLD=5 SHARDS=1 OUT="" BUILD="" BASE_PORT=44000 KEEP=""
while (($#)); do
    case $1 in
        --quick) QUICK=1 ;;
        --duration) DURATION=$2; shift ;;
        --rate) RATE=$2; shift ;;
        --hold) HOLD=$2; shift ;;
        --shards) SHARDS=$2; shift ;;
        --out) OUT=$2; shift ;;
        --build-dir) BUILD=$2; shift ;;
        --base-port) BASE_PORT=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done
if [[ -z $DURATION ]]; then DURATION=$((QUICK ? 300 : 3600)); fi
WARMUP=$((2 * HOLD + 20))
((DURATION >= WARMUP + 60)) || die "--duration must be at least the warm-up ($WARMUP s) plus 60 s"

BUILD=$(find_build_dir "$REPO" "$BUILD") || die "no sipstorm binary: build first or pass --build-dir"
SIPSTORM=$BUILD/sipstorm
if [[ -n $KEEP ]]; then WORK=$KEEP; mkdir -p "$WORK"; else WORK=$(mktemp -d /tmp/soak.XXXXXX); fi
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p" 3 || true; done
    PIDS=()
    if [[ -z $KEEP ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SIP_PORT=$BASE_PORT RUN_METRICS=$((BASE_PORT + 1)) SERVE_METRICS=$((BASE_PORT + 2))
log "soak: $RATE calls/s held $HOLD s ($((RATE * HOLD)) live) for $DURATION s, warm-up $WARMUP s; load $(cut -d' ' -f1-3 /proc/loadavg)"
"$SIPSTORM" serve "$REPO/scenarios/answer.lua" --listen 127.0.0.1:$SIP_PORT --shards "$SHARDS" -q \
    --metrics 127.0.0.1:$SERVE_METRICS >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
wait_udp_port "$SIP_PORT" || die "serve did not start: $(cat "$WORK/serve.log")"
"$SIPSTORM" run "$REPO/scenarios/basic_call.lua" --target 127.0.0.1:$SIP_PORT --rate "$RATE" \
    --duration "${DURATION}s" --set hold="$HOLD" --shards "$SHARDS" -q --metrics 127.0.0.1:$RUN_METRICS \
    --out "$WORK/result.json" >"$WORK/run.log" 2>&1 &
RUN_PID=$!
PIDS+=("$RUN_PID")

# The sampler: every 10 s until the run ends; then the verdicts. Prints the report on stdout.
python3 - "$RUN_PID" "$SERVE_PID" "$RUN_METRICS" "$SERVE_METRICS" "$WARMUP" "$DURATION" "$WORK" "$OUT" \
    "$RATE" "$HOLD" <<'EOF'
import json, os, sys, time, urllib.request

run_pid, serve_pid, run_port, serve_port, warmup, duration = map(int, sys.argv[1:7])
work, out, rate, hold = sys.argv[7], sys.argv[8], float(sys.argv[9]), float(sys.argv[10])
JUDGED = ("rss_kib_without_series", "calls_live", "timers_armed")
SHOWN = ("rss_kib", "call_slots_touched")

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False

def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, value = line.split()
            values[name] = float(value)
    return values

samples = {"run": [], "serve": []}
start = time.time()
next_at = start + 10
while alive(run_pid):
    time.sleep(max(0.0, next_at - time.time()))
    next_at += 10
    t = round(time.time() - start)
    for who, pid, port in (("run", run_pid, run_port), ("serve", serve_pid, serve_port)):
        try:
            m = metrics(port)
            s = {"t": t, "rss_kib": rss(pid), "calls_live": m["sipstorm_calls_live"],
                 "timers_armed": m["sipstorm_timers_armed"],
                 "call_slots_touched": m["sipstorm_call_slots_touched"],
                 "series_kib": m["sipstorm_series_bytes"] / 1024}
            s["rss_kib_without_series"] = s["rss_kib"] - s["series_kib"]
        except Exception:
            continue  # the run has just ended
        samples[who].append(s)
        print(f"[{t:5d}s] {who:5s} rss {s['rss_kib']} KiB, live {s['calls_live']:.0f}, timers "
              f"{s['timers_armed']:.0f}, slots used {s['call_slots_touched']:.0f}", file=sys.stderr, flush=True)

verdicts, ok = [], True
for who, rows in samples.items():
    # After the warm-up, before the last calls end (the drain is not steady state).
    steady = [r for r in rows if warmup <= r["t"] <= duration - 2]
    if len(steady) < 6:
        verdicts.append({"process": who, "figure": "samples", "pass": False, "why": f"{len(steady)} after warm-up"})
        ok = False
        continue
    third = len(steady) // 3
    for fig in JUDGED + SHOWN:
        first = sum(r[fig] for r in steady[:third]) / third
        last = sum(r[fig] for r in steady[-third:]) / third
        growth = (last - first) / first if first else (0.0 if last == 0 else float("inf"))
        judged = fig in JUDGED
        # Counts of a few (a UAS's timers) jitter by more than 1% of themselves: 10 is still flat.
        passed = growth < 0.01 or (fig != "rss_kib_without_series" and last - first <= 10) or not judged
        ok = ok and passed
        verdicts.append({"process": who, "figure": fig, "first_third": first, "last_third": last,
                         "growth": growth, "pass": passed, "judged": judged})

result = json.load(open(f"{work}/result.json"))
size = os.path.getsize(f"{work}/result.json")
rows = len(result["series"])
# One row a second of the run, its drain included (hold + setup + a few seconds), per minute after an hour.
run_s = duration + hold + 10
expect_rows = min(run_s, 3600) + max(0, run_s - 3600) // 60 + 1
failed = result["calls"]["failed"]
checks = [("zero failed calls", failed == 0, f"{failed} failed of {result['calls']['attempted']}"),
          ("series rows", rows <= expect_rows, f"{rows} rows (at most {expect_rows})"),
          ("result file size", size <= 3072 * rows + 262144, f"{size} bytes, {size / max(rows, 1):.0f} per row")]
for name, passed, why in checks:
    ok = ok and passed
    verdicts.append({"figure": name, "pass": passed, "why": why})

print(f"soak: {rate:.0f} calls/s, {hold:.0f} s hold, {duration} s, {result['calls']['attempted']} calls; "
      f"load average {open('/proc/loadavg').read().split()[0]}")
for v in verdicts:
    if "growth" in v:
        verdict = ("PASS" if v["pass"] else "FAIL") if v["judged"] else "info"
        print(f"  {verdict}  {v['process']:5s} {v['figure']:22s} {v['first_third']:12.1f} -> "
              f"{v['last_third']:12.1f}  ratio {1 + v['growth']:.4f}{' (limit 1.01)' if v['judged'] else ''}")
    else:
        print(f"  {'PASS' if v['pass'] else 'FAIL'}  {v['figure']}: {v['why']}")
for who in samples:
    v = {x["figure"]: x for x in verdicts if x.get("process") == who and "growth" in x}
    if "rss_kib_without_series" in v and not v["rss_kib_without_series"]["pass"] and \
            v["call_slots_touched"]["growth"] > 0.01:
        print(f"  note: {who}'s call slots ever used grew {v['call_slots_touched']['growth'] * 100:.1f}%: a burst "
              "of calls (a stalled machine?) committed more of its call table; re-run on a quiet machine")
print("soak: " + ("PASS" if ok else "FAIL"))
if out:
    json.dump({"rate": rate, "hold_s": hold, "duration_s": duration, "warmup_s": warmup, "samples": samples,
               "verdicts": verdicts, "pass": ok}, open(out, "w"), indent=1)
sys.exit(0 if ok else 1)
EOF
