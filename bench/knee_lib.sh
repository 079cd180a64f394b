# shellcheck shell=bash disable=SC2034  # RC, BOUNDED_STOPPED: results for the caller
# bench/knee_lib.sh: helpers shared by bench/knee.sh and bench/memory_per_call.sh (sourced, not run).
#
# Process rules: every process we start is a child of this shell, started with `&` and remembered
# by its PID; it is stopped by that PID only (never by name). SIPp runs in the foreground under `&`
# (never -bg, which forks and hides the real PID).

# shellcheck source=../tests/need.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tests/need.sh"  # need COMMAND PACKAGE

# log MESSAGE...: progress on stderr, so stdout stays the report.
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

die() { log "error: $*"; exit 2; }

# alive PID: true while PID runs.
alive() { kill -0 "$1" 2>/dev/null; }

# wait_exit PID SECONDS: wait until PID ends or SECONDS pass; true if it ended.
wait_exit() {
    local pid=$1 deadline
    deadline=$(( $(date +%s%N) + ${2%.*} * 1000000000 ))
    while alive "$pid"; do
        (( $(date +%s%N) >= deadline )) && return 1
        sleep 0.05
    done
    return 0
}

# stop_pid PID [GRACE_S]: a polite stop, then firmer ones. SIGINT first (sipstorm stops starting calls
# and drains, SIPp quits and writes its last statistics row), a second SIGINT (sipstorm: end now),
# then SIGKILL. Reaps the child and returns its exit code.
stop_pid() {
    local pid=$1 grace=${2:-3} rc=0
    [[ -z $pid ]] && return 0
    if alive "$pid"; then
        kill -INT "$pid" 2>/dev/null
        if ! wait_exit "$pid" "$grace"; then
            kill -INT "$pid" 2>/dev/null
            if ! wait_exit "$pid" 2; then
                log "pid $pid ignored SIGINT twice: SIGKILL"
                kill -KILL "$pid" 2>/dev/null
            fi
        fi
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return "$rc"
}

# wait_bounded PID SECONDS: wait for PID to end by itself, stop it after SECONDS. Sets RC to its exit
# code and BOUNDED_STOPPED=1 when it had to be stopped. (Not for $(...): a subshell cannot wait.)
wait_bounded() {
    local pid=$1
    RC=0 BOUNDED_STOPPED=0
    if ! wait_exit "$pid" "$2"; then
        BOUNDED_STOPPED=1
        log "pid $pid still running after $2 s: stopping it"
        stop_pid "$pid" 3 || RC=$?
    else
        wait "$pid" 2>/dev/null || RC=$?
    fi
}

# wait_udp_port PORT [SECONDS]: wait until something listens on 127.0.0.1:PORT/udp.
wait_udp_port() {
    local port=$1 tries=$(( ${2:-5} * 20 ))
    while (( tries-- > 0 )); do
        ss -Huln "sport = :$port" 2>/dev/null | grep -q . && return 0
        sleep 0.05
    done
    return 1
}

# udp_port_free PORT: true when nothing is bound to PORT/udp.
udp_port_free() { ! ss -Huan "sport = :$1" 2>/dev/null | grep -q .; }

# rss_kib PID: the process's resident set (VmRSS) in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# sipp_csv_last FILE COLUMN...: values of COLUMNs in the last row of a SIPp -trace_stat CSV.
sipp_csv_last() {
    python3 - "$@" <<'EOF'
import csv, sys
path, cols = sys.argv[1], sys.argv[2:]
try:
    rows = list(csv.reader(open(path), delimiter=';'))
except OSError:
    rows = []
if len(rows) < 2:
    print(" ".join("0" for _ in cols)); sys.exit(0)
row = dict(zip(rows[0], rows[-1]))
print(" ".join(row.get(c, "0") or "0" for c in cols))
EOF
}

# find_build_dir [DIR]: a build directory that holds sipstorm (DIR, $SIPSTORM_BUILD, then build*).
find_build_dir() {
    local repo=$1 want=$2 d
    for d in "$want" "${SIPSTORM_BUILD:-}" "$repo/build" "$repo/build-lead"; do
        [[ -n $d && -x $d/sipstorm ]] && { echo "$d"; return 0; }
    done
    return 1
}

# machine_json: what the figures were measured on, as a JSON object.
machine_json() {
    python3 - <<'EOF'
import json, os, platform
load = open("/proc/loadavg").read().split()[:3]
model = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip(); break
print(json.dumps({"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
                  "loadavg": [float(x) for x in load]}))
EOF
}
