#!/usr/bin/env bash
# bench/memory_per_media_call.sh: memory per held call with an RTP stream, against the same call
# without media, sipstorm alone (SIPp's memory per call is bench/memory_per_call.sh's).
#
#   bench/memory_per_media_call.sh [--calls 900] [--out mem.json] [--build-dir DIR]   (--help for all)
#
# Two rounds, each a UAC holding N calls open (established, then a 60 s pause before the BYE) against
# a separate `sipstorm serve` on 127.0.0.2 (so both sides can take their RTP ports from the same
# --rtp-ports range):
#   plain  basic_call.lua (an SDP offer, no media steps) -> serve answer.lua;
#   media  the same call with an RTP stream: sip.sdp_offer() on ${media_port} and an open stream on
#          both sides (UAC: `rtp = { echo = true }`, UAS: answer_rtp.lua), port pair and sockets
#          held for the call; no packets flow (a playing stream's state is the same fixed-size
#          struct, its clip is shared by every call), so the figure is not blurred by socket buffers
#          filling; --media-timeout is long so no stream times out while it waits.
# For each round the UAC's VmRSS is read (a) in an identical twin `run` that starts one call and no
# more (--rate 0.0001) after 1.5 s, and (b) once the UAC's live count reaches N. KiB per call =
# (b - a) / N. The media engine's stream table (4096 slots per shard) is allocated when the program
# has media steps, so it sits in the media twin's baseline: media twin - plain twin = that fixed
# cost, which / (4096 x shards) is one stream slot. Per media call, all in: its KiB per call + one
# slot. The UAS's figure is the same difference for serve, its baseline taken after the twin's call. Kernel socket memory (two UDP sockets per stream) is not in RSS and not counted.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=knee_lib.sh
source "$HERE/knee_lib.sh"

usage() {
    cat <<EOF
usage: bench/memory_per_media_call.sh [options]
  --calls N             concurrent calls held in each round (default 900; two UDP sockets per
                        stream on each side, and N port pairs from --rtp-ports on each side)
  --rate R              ramp, calls/s (default 300)
  --shards K            shards per process (default 2)
  --rtp-ports LO-HI     RTP ports of both sides (default 40000-41999)
  --base-port P         first SIP UDP port (default 28050)
  --out FILE            also write the results as JSON to FILE
  --build-dir DIR       build directory with sipstorm (default: \$SIPSTORM_BUILD, $REPO/build, build-lead)
  --keep DIR            keep logs in DIR (default: a temp dir, removed)
EOF
}

N=900 RATE=300 SHARDS=2 RTP_PORTS=40000-41999 BASE_PORT=28050 OUT="" BUILD="" KEEP=""
while (( $# )); do
    case $1 in
        --calls) N=$2; shift ;;
        --rate) RATE=$2; shift ;;
        --shards) SHARDS=$2; shift ;;
        --rtp-ports) RTP_PORTS=$2; shift ;;
        --base-port) BASE_PORT=$2; shift ;;
        --out) OUT=$2; shift ;;
        --build-dir) BUILD=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done
BUILD=$(find_build_dir "$REPO" "$BUILD") || die "no sipstorm binary: build first or pass --build-dir"
SIPSTORM=$BUILD/sipstorm
SCEN=$REPO/scenarios
if [[ -n $KEEP ]]; then WORK=$KEEP; mkdir -p "$WORK"; else WORK=$(mktemp -d /tmp/memmedia.XXXXXX); fi
(( $(ulimit -n) > 2 * N + 200 )) || die "ulimit -n $(ulimit -n) is too low for $N streams (2 sockets each)"

PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p" 1 || true; done
    PIDS=()
    if [[ -z $KEEP ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The media call: basic_call.lua's flow with an RTP stream opened after the ACK.
cat >"$WORK/hold_media.lua" <<'LUA'
local sip = require "sipstorm"
return {
  name = "hold_media", role = "uac", params = { hold = "60" },
  steps = {
    { send = sip.invite{ to = "sip:service@${remote_ip}:${remote_port}", sdp = sip.sdp_offer() } },
    { recv = 100, optional = true },
    { recv = 180, optional = true },
    { recv = 200 },
    { send = sip.ack_2xx() },
    { rtp = { echo = true } },
    { pause = "${hold}s" },
    { send = sip.bye() },
    { recv = 200 },
  },
}
LUA

sipstorm_live() {
    local n
    n=$(grep -o 'live [0-9]*' "$1" 2>/dev/null | tail -1 | awk '{print $2}')
    echo "${n:--1}"
}

# round NAME UAC_SCENARIO UAS_SCENARIO PORT: sets TWIN_RSS RSS LIVE UAS_BASE UAS_RSS.
round() {
    local name=$1 uac=$2 uas=$3 port=$4 serve twin run deadline live
    local media=(--rtp-ports "$RTP_PORTS" --media-timeout 1000s)
    log "$name: $N calls held at $RATE calls/s, $SHARDS shards"
    "$SIPSTORM" serve "$uas" --listen "127.0.0.2:$port" --shards "$SHARDS" "${media[@]}" -q \
        >"$WORK/${name}_serve.log" 2>&1 &
    serve=$!; PIDS=("$serve")
    wait_udp_port "$port" 5 || die "serve not listening (see $WORK/${name}_serve.log)"
    local common=(run "$uac" --target "127.0.0.2:$port" --local-ip 127.0.0.1 --concurrent "$N" --set hold=60
                  --call-slots $(( (N * 5 / 4 + SHARDS - 1) / SHARDS )) --shards "$SHARDS" "${media[@]}")
    "$SIPSTORM" "${common[@]}" --rate 0.0001 -q >"$WORK/${name}_twin.log" 2>&1 &
    twin=$!; PIDS+=("$twin")
    sleep 1.5
    TWIN_RSS=$(rss_kib "$twin")
    stop_pid "$twin" 1 || true
    sleep 0.5
    UAS_BASE=$(rss_kib "$serve")  # after one call, so what serve sets up on its first call is in it
    "$SIPSTORM" "${common[@]}" --rate "$RATE" >"$WORK/${name}_run.log" 2>&1 &
    run=$!; PIDS=("$serve" "$run")
    deadline=$(( $(date +%s) + N / ${RATE%.*} + 30 ))
    LIVE=0 RSS=0
    while alive "$run" && (( $(date +%s) < deadline )); do
        live=$(sipstorm_live "$WORK/${name}_run.log")
        if (( live >= N )); then LIVE=$live RSS=$(rss_kib "$run"); break; fi
        sleep 0.05
    done
    (( LIVE >= N )) || die "$name: the UAC reached only $(sipstorm_live "$WORK/${name}_run.log") live calls (see $WORK/${name}_run.log)"
    sleep 1  # serve's side of the last calls
    UAS_RSS=$(rss_kib "$serve")
    stop_pid "$run" 1 || true
    stop_pid "$serve" 1 || true
    PIDS=()
}

MACHINE=$(machine_json)
round plain "$SCEN/basic_call.lua" "$SCEN/answer.lua" "$BASE_PORT"
P_TWIN=$TWIN_RSS P_RSS=$RSS P_LIVE=$LIVE P_UAS_BASE=$UAS_BASE P_UAS_RSS=$UAS_RSS
round media "$WORK/hold_media.lua" "$SCEN/answer_rtp.lua" $(( BASE_PORT + 2 ))
M_TWIN=$TWIN_RSS M_RSS=$RSS M_LIVE=$LIVE M_UAS_BASE=$UAS_BASE M_UAS_RSS=$UAS_RSS

python3 - "$MACHINE" "${OUT:-}" "$N" "$SHARDS" "$P_TWIN" "$P_RSS" "$P_LIVE" "$P_UAS_BASE" "$P_UAS_RSS" \
    "$M_TWIN" "$M_RSS" "$M_LIVE" "$M_UAS_BASE" "$M_UAS_RSS" <<'EOF'
import json, sys
machine, out = json.loads(sys.argv[1]), sys.argv[2]
n, shards, *v = map(int, sys.argv[3:])
slots = 4096 * shards  # media::MediaConfig::max_streams per shard
def side(twin, rss, live, uas_base, uas_rss):
    return {"baseline_kib": twin, "rss_kib": rss, "live": live, "kib_per_call": round((rss - twin) / live, 3),
            "uas_baseline_kib": uas_base, "uas_rss_kib": uas_rss,
            "uas_kib_per_call": round((uas_rss - uas_base) / live, 3)}
plain, media = side(*v[0:5]), side(*v[5:10])
table_kib = media["baseline_kib"] - plain["baseline_kib"]
res = {"benchmark": "memory per held call with an RTP stream vs without (UAC VmRSS), 60 s hold, UDP over loopback",
       "machine": machine, "calls": n, "shards": shards, "plain": plain, "media": media,
       "stream_table_kib": table_kib, "stream_slot_bytes": round(table_kib * 1024 / slots),
       "media_extra_kib_per_call": round(media["kib_per_call"] - plain["kib_per_call"], 3)}
res["media_kib_per_call_all_in"] = round(media["kib_per_call"] + table_kib / slots, 3)
if out:
    with open(out, "w") as f:
        json.dump(res, f, indent=2); f.write("\n")
print()
print(f"memory per held call, {n} calls, {shards} shards (UAC RSS; load average {machine['loadavg'][0]}):")
print(f"  {'call':7s} {'baseline':>10s} {'RSS at N':>10s} {'KiB/call':>9s} {'UAS KiB/call':>13s}")
for name, d in (("plain", plain), ("media", media)):
    print(f"  {name:7s} {d['baseline_kib'] / 1024:8.1f}Mi {d['rss_kib'] / 1024:8.1f}Mi {d['kib_per_call']:9.2f} "
          f"{d['uas_kib_per_call']:13.2f}")
print(f"  stream table: {table_kib / 1024:.1f} MiB for {slots} slots ({res['stream_slot_bytes']} bytes a slot), "
      f"in the media baseline")
print(f"  a media call: {media['kib_per_call']:.2f} KiB held + a {res['stream_slot_bytes']}-byte slot = "
      f"{res['media_kib_per_call_all_in']:.2f} KiB, against {plain['kib_per_call']:.2f} KiB without media "
      f"({res['media_kib_per_call_all_in'] / plain['kib_per_call']:.2f}x)" if plain["kib_per_call"] > 0 else "")
EOF
