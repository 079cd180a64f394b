#!/usr/bin/env bash
# bench/tls_bench.sh: TLS with a connection per call against the OpenSSL handshake ceiling, in one run.
#   1. tls_ceiling: full (and resumed) handshakes per second on one core with sipstorm's own TLS
#      contexts, client and server in one thread on a socketpair: the most any TLS stack on this
#      machine can open per core and second with this certificate (RSA 2048) and TLS 1.3.
#   2. bench/knee.sh --transport tls-per-call (and tls-resume): sipstorm run -> sipstorm serve, each
#      call on a new connection with its own handshake.
# Printed: both, and knee / (ceiling x cores), the share of the machine's handshake capacity the calls
# reach (each call costs one handshake on each side plus the call itself).
#   bench/tls_bench.sh [--quick] [--build-dir DIR]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
source "$HERE/knee_lib.sh"
QUICK=() BUILD=""
while (( $# )); do
    case $1 in
        --quick) QUICK=(--quick) ;;
        --build-dir) BUILD=$2; shift ;;
        *) echo "usage: bench/tls_bench.sh [--quick] [--build-dir DIR]" >&2; exit 2 ;;
    esac
    shift
done
BUILD=$(find_build_dir "$REPO" "$BUILD") || die "no sipstorm binary"
[[ -x $BUILD/bench/tls_ceiling ]] || die "$BUILD/bench/tls_ceiling missing: cmake --build $BUILD --target tls_ceiling"
C=$(mktemp -d /tmp/tls-bench.XXXXXX)
trap 'rm -rf "$C"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca.key" -out "$C/ca.pem" -days 2 -subj "/CN=bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$C/s.key" -out "$C/s.csr" -subj "/CN=bench" >/dev/null 2>&1
printf "subjectAltName=IP:127.0.0.1\n" >"$C/ext"
openssl x509 -req -in "$C/s.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial -out "$C/s.pem" -days 2 \
    -extfile "$C/ext" >/dev/null 2>&1
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
full=$("$BUILD/bench/tls_ceiling" --cert "$C/s.pem" --key "$C/s.key" --ca "$C/ca.pem" --seconds 3)
resume=$("$BUILD/bench/tls_ceiling" --cert "$C/s.pem" --key "$C/s.key" --ca "$C/ca.pem" --seconds 3 --resume)
echo "$full"
echo "$resume"
"$HERE/knee.sh" "${QUICK[@]}" --build-dir "$BUILD" --transport tls-per-call --sipstorm-start 200 --sipstorm-factor 1.5 \
    --out "$C/full.json" >"$C/full.txt"
"$HERE/knee.sh" "${QUICK[@]}" --build-dir "$BUILD" --transport tls-resume --sipstorm-start 300 --sipstorm-factor 1.5 \
    --out "$C/resume.json" >"$C/resume.txt"
python3 - "$full" "$resume" "$C/full.json" "$C/resume.json" "$(nproc)" <<'PY'
import json, sys
def kv(line):
    return dict(f.split("=", 1) for f in line.split())
full, resume = kv(sys.argv[1]), kv(sys.argv[2])
cores = int(sys.argv[5])
for label, ceil, path in (("full handshake", full, sys.argv[3]), ("resumed session", resume, sys.argv[4])):
    r = json.load(open(path))
    knee = r["sipstorm"]["knee_cps"]
    hs = float(ceil["handshakes_per_s"])
    lo = "" if r["sipstorm"]["first_fail_cps"] else " (no failure seen: at least)"
    print(f"TLS per call, {label}: knee {knee:,} calls/s{lo}; ceiling {hs:,.0f} handshakes/s per core "
          f"(x{cores} cores = {hs * cores:,.0f}); knee / ceiling = {knee / (hs * cores):.2f} "
          f"(load {r['machine']['at_start']['loadavg'][0]} -> {r['machine']['at_end']['loadavg'][0]})")
PY
