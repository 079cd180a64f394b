#!/usr/bin/env bash
# bench/connections_held.sh: N TCP (or TLS) connections held at once, and memory per connection.
# sipstorm run opens one connection per call (--connections per-call) and holds each call (and so its
# connection) for --hold seconds against a separate sipstorm serve; when N calls are up, both
# processes' VmRSS are read and compared with the same run over UDP (calls without connections):
# KiB per connection = (RSS over TCP - RSS over UDP) / N, for the client and the server side.
#   bench/connections_held.sh [--n 19000] [--rate 1000] [--transport tcp|tls] [--build-dir DIR]
# The hard RLIMIT_NOFILE bounds N (one descriptor per connection in each process).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
source "$HERE/knee_lib.sh"
N=19000 RATE=1000 T=tcp BUILD="" PORT=43500
while (( $# )); do
    case $1 in
        --n) N=$2; shift ;;
        --rate) RATE=$2; shift ;;
        --transport) T=$2; shift ;;
        --build-dir) BUILD=$2; shift ;;
        *) echo "usage: bench/connections_held.sh [--n N] [--rate R] [--transport tcp|tls] [--build-dir DIR]" >&2; exit 2 ;;
    esac
    shift
done
BUILD=$(find_build_dir "$REPO" "$BUILD") || die "no sipstorm binary"
S=$BUILD/sipstorm
W=$(mktemp -d /tmp/held.XXXXXX)
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do stop_pid "$p" 2 || true; done; [[ -n ${KEEP_W:-} ]] || rm -rf "$W"; }
trap cleanup EXIT
HOLD=$(( N / RATE + 30 ))
TLS_SERVE=() TLS_RUN=()
if [[ $T == tls ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/k.pem" -out "$W/c.pem" -days 2 -subj "/CN=held" \
        -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
    TLS_SERVE=(--tls-cert "$W/c.pem" --tls-key "$W/k.pem") TLS_RUN=(--tls-ca "$W/c.pem")
fi

# held TRANSPORT: starts serve and run, waits until N calls are live, prints "run_kib serve_kib conns".
held() {
    local t=$1 port=$PORT serve run live=0 extra_s=() extra_r=()
    [[ $t != udp ]] && extra_s=(--transport "$t" "${TLS_SERVE[@]}") extra_r=(--transport "$t" --connections per-call "${TLS_RUN[@]}")
    "$S" serve "$REPO/scenarios/answer.lua" --listen 127.0.0.1:$port --shards 1 --call-slots $((N * 2)) \
        "${extra_s[@]}" >"$W/serve-$t.log" 2>&1 &
    serve=$!; PIDS+=("$serve")
    sleep 0.5
    SIPSTORM_PLAIN=1 "$S" run "$REPO/scenarios/basic_call.lua" --target 127.0.0.1:$port --rate "$RATE" --concurrent "$N" \
        --calls "$N" --set hold="$HOLD" --shards 1 --call-slots $((N * 2)) "${extra_r[@]}" >"$W/run-$t.log" 2>&1 &
    run=$!; PIDS+=("$run")
    for _ in $(seq $(( (N / RATE + 60) * 10 ))); do
        live=$(grep -o 'live [0-9]*' "$W/run-$t.log" | tail -1 | cut -d' ' -f2 || true)
        [[ ${live:-0} -ge $N ]] && break
        sleep 0.1
    done
    sleep 1
    local conns
    conns=$(ss -Htn state established "( sport = :$port )" | wc -l)
    echo "$(rss_kib "$run") $(rss_kib "$serve") $conns ${live:-0}"
    stop_pid "$run" 2 || true
    stop_pid "$serve" 2 || true
    PIDS=()
}
log "load average: $(cut -d' ' -f1-3 /proc/loadavg); N=$N at $RATE calls/s, $T"
next_free() {  # PORT: the next port from PORT on with nothing on it, UDP or TCP
    while udp_port_free "$PORT" || { PORT=$((PORT + 1)); continue; }; ss -Htan "sport = :$PORT" | grep -q .; do
        PORT=$((PORT + 1))
    done
}
next_free
held udp >"$W/udp.txt"
PORT=$((PORT + 1))
next_free
held "$T" >"$W/held.txt"
read -r ru su _ ul <"$W/udp.txt"
read -r rt st conns tl <"$W/held.txt"
python3 - "$N" "$T" "$ru" "$su" "$rt" "$st" "$conns" "$ul" "$tl" <<'PY'
import sys
n, t = int(sys.argv[1]), sys.argv[2]
ru, su, rt, st, conns, ul, tl = map(int, sys.argv[3:])
print(f"{t.upper()}: {conns:,} connections established at once (live calls: UDP {ul:,}, {t.upper()} {tl:,})")
print(f"  run   VmRSS: UDP {ru / 1024:.1f} MiB, {t.upper()} {rt / 1024:.1f} MiB -> {(rt - ru) / max(conns, 1):.2f} KiB per connection")
print(f"  serve VmRSS: UDP {su / 1024:.1f} MiB, {t.upper()} {st / 1024:.1f} MiB -> {(st - su) / max(conns, 1):.2f} KiB per connection")
PY
log "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
