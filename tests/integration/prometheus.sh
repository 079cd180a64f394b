#!/usr/bin/env bash
# --metrics: `promtool check metrics` accepts what run and serve serve at /metrics, and a real
# Prometheus (started here with its own config and storage, on loopback) scrapes a running
# `sipstorm run`; a query over its HTTP API returns the call count of the result file: within one
# scrape interval without --metrics-linger, exactly with it (the endpoint waits for a last scrape).
# Then a TCP run, a TLS run and a media run (call_rtp.lua against serve answer_rtp.lua): their connection and
# media figures, read from /metrics after the run (--metrics-linger), are the result files' (counters
# equal, histograms folded from the result file's buckets equal bucket by bucket), and promtool accepts them.
source "$(dirname "$0")/lib.sh"
need promtool prometheus
need prometheus prometheus
PROM_PORT=28240
METRICS_PORT=28200
SERVE_METRICS=28201
SIP_PORT=28110
TCP_PORT=28111 TCP_RUN_METRICS=28202 TCP_SERVE_METRICS=28203
RTP_SIP_PORT=28112 RTP_RUN_METRICS=28204 RTP_SERVE_METRICS=28205
TLS_PORT=28113 TLS_RUN_METRICS=28206 TLS_SERVE_METRICS=28207
RATE=200
need_free_udp $SIP_PORT $RTP_SIP_PORT
for p in $TCP_PORT $TLS_PORT; do
  ss -H -tln "sport = :$p" | grep -q . && fail "tcp port $p is already in use by another process"
done

# fetch URL: prints the body (python3, so no extra tool is needed).
fetch() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode(), end="")' "$1"; }

cat >"$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: sipstorm
    static_configs:
      - targets: ['127.0.0.1:$METRICS_PORT']
YAML
promtool check config "$WORK/prometheus.yml" >/dev/null || fail "promtool rejects the test's own config"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address=127.0.0.1:$PROM_PORT >"$WORK/prometheus.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do
  fetch "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
fetch "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 || { tail "$WORK/prometheus.log"; fail "prometheus did not start"; }

query() {
  python3 - "http://127.0.0.1:$PROM_PORT/api/v1/query" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + "?" + urllib.parse.urlencode({"query": sys.argv[2]})
r = json.load(urllib.request.urlopen(url, timeout=5))
assert r["status"] == "success", r
res = r["data"]["result"]
print(res[0]["value"][1] if res else "none")
PY
}
# Prometheus hands new targets to its scrapers up to 5 s after it starts: wait for its first attempt
# (up == 0, nothing listens yet), so that the whole run is scraped.
for _ in $(seq 100); do
  [ "$(query 'up{job="sipstorm"}')" != none ] && break
  sleep 0.2
done
[ "$(query 'up{job="sipstorm"}')" != none ] || fail "prometheus never tried to scrape"

# serve with --metrics: its exposition passes promtool too.
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$SIP_PORT --shards 2 -q \
  --metrics 127.0.0.1:$SERVE_METRICS >"$WORK/serve.log" 2>&1 &
PIDS+=("$!")
wait_udp $SIP_PORT

"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:$SIP_PORT --rate $RATE --duration 8s \
  --shards 2 --metrics $METRICS_PORT --metrics-linger 5s --out "$WORK/r.json" >"$WORK/run.log" 2>&1 &
run_pid=$!
PIDS+=("$run_pid")
sleep 3
fetch "http://127.0.0.1:$METRICS_PORT/metrics" >"$WORK/run.metrics" || fail "GET /metrics of run"
fetch "http://127.0.0.1:$SERVE_METRICS/metrics" >"$WORK/serve.metrics" || fail "GET /metrics of serve"
for f in run serve; do
  promtool check metrics <"$WORK/$f.metrics" >"$WORK/$f.lint" 2>&1 || { cat "$WORK/$f.lint"; fail "promtool check metrics: $f"; }
  [ -s "$WORK/$f.lint" ] && { cat "$WORK/$f.lint"; fail "promtool has remarks on $f's metrics"; }
  grep -q '^sipstorm_setup_seconds_bucket{le="+Inf"} ' "$WORK/$f.metrics" || fail "$f: no setup histogram"
  grep -q '^sipstorm_generator_busy_seconds_total{shard="1"} ' "$WORK/$f.metrics" || fail "$f: no shard 1"
done
grep -q 'command="serve"' "$WORK/serve.metrics" || fail "serve's sipstorm_info"
grep -q '^metrics at http://127.0.0.1:'$METRICS_PORT'/metrics$' "$WORK/run.log" || fail "PORT alone is not loopback"
echo "PASS promtool check metrics: run ($(grep -c '^sipstorm' "$WORK/run.metrics") samples) and serve"
wait "$run_pid" || { cat "$WORK/run.log"; fail "run exit code $?"; }

# What Prometheus stored: the last scraped call count is the result file's (--metrics-linger kept the
# endpoint up with the final figures for one more scrape).
sleep 0.5
final=$(json "$WORK/r.json" 'r["calls"]["attempted"]')
scraped=$(query 'last_over_time(sipstorm_calls_attempted_total{job="sipstorm"}[5m])')
samples=$(query 'count_over_time(sipstorm_calls_attempted_total{job="sipstorm"}[5m])')
p99=$(query 'histogram_quantile(0.99, last_over_time(sipstorm_setup_seconds_bucket{job="sipstorm"}[5m]))')
echo "result file: $final calls attempted; Prometheus: $scraped (last of $samples scrapes), setup p99 $p99 s"
[ "$scraped" != none ] || fail "Prometheus has no sipstorm_calls_attempted_total"
[ "$samples" -ge 5 ] || fail "only $samples scrapes in an 8 s run at 1 s"
[ "$scraped" = "$final" ] || fail "Prometheus says $scraped calls, the result file $final"
[ "$p99" != none ] && [ "$p99" != NaN ] || fail "histogram_quantile over sipstorm_setup_seconds gave $p99"
echo "PASS Prometheus scraped sipstorm run: $scraped of $final calls"

# Without --metrics-linger the run exits at once: the last scrape is at most one interval of calls behind.
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:$SIP_PORT --rate $RATE --duration 5s \
  --metrics $METRICS_PORT --set service=second -q --out "$WORK/r2.json" >"$WORK/run2.log" 2>&1 || fail "second run"
sleep 1.5
final=$(json "$WORK/r2.json" 'r["calls"]["attempted"]')
scraped=$(query 'last_over_time(sipstorm_calls_attempted_total{job="sipstorm"}[4s])')
echo "without linger: result file $final calls, Prometheus $scraped"
[ "$scraped" != none ] && [ "$scraped" -le "$final" ] && [ $((final - scraped)) -le $((RATE * 3 / 2)) ] ||
  fail "Prometheus says $scraped calls, the result file $final: more than one scrape interval apart"
echo "PASS without linger: within one scrape interval"

# lint NAME FILE: promtool accepts the exposition without remarks.
lint() {
  promtool check metrics <"$2" >"$WORK/$1.lint" 2>&1 || { cat "$WORK/$1.lint"; fail "promtool check metrics: $1"; }
  [ -s "$WORK/$1.lint" ] && { cat "$WORK/$1.lint"; fail "promtool has remarks on $1's metrics"; }
  return 0
}
# final_metrics PORT RESULT OUT: once the process has written its result file (it parses), one GET of
# /metrics: the final figures --metrics-linger holds, and the scrape that ends the linger.
final_metrics() {
  for _ in $(seq 300); do
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$2" 2>/dev/null && break
    sleep 0.1
  done
  fetch "http://127.0.0.1:$1/metrics" >"$3" || fail "GET /metrics on port $1 after the run"
}
# agree METRICS RESULT CHECK...: each CHECK is `SAMPLE=EXPR` (a sample line's name and labels, EXPR is
# Python over the result file `r`: the values must be equal) or `hist:FAMILY=KEY` (the histogram
# FAMILY is r["histograms"][KEY] folded into the exposition's own `le` bounds, its unit given by
# FAMILY: seconds of µs, or a MOS of thousandths).
agree() {
  python3 - "$@" <<'PY'
import json, sys
text, r = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
samples = {}
for line in text.splitlines():
    if line and not line.startswith("#"):
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
def low(i):
    return i if i < 256 else (i % 128 + 128) << (i // 128 - 1)
def width(i):
    return 1 if i < 256 else 1 << (i // 128 - 1)
bad, n = [], 0
for check in sys.argv[3:]:
    brace = check.find("{")
    if 0 <= brace < check.find("="):  # labels hold '=' too
        key, expr = check.split("}=", 1)
        key += "}"
    else:
        key, expr = check.split("=", 1)
    if key.startswith("hist:"):
        family, before = key[5:], len(bad)
        h = r["histograms"][expr]
        per = 1000.0 if family.endswith("_mos") else 1e6
        bounds = [(k[len(family) + 12:-2], v) for k, v in samples.items() if k.startswith(family + "_bucket{le=")]
        if not bounds:
            bad.append(f"{family}: no buckets")
        for le, got in bounds:
            want = h["count"] if le == "+Inf" else sum(
                c for i, c in h["buckets"] if low(i) + width(i) - 1 <= round(float(le) * per))
            if got != want:
                bad.append(f"{family}_bucket le={le}: /metrics {got}, the result file's buckets {want}")
        if samples.get(family + "_count") != h["count"]:
            bad.append(f"{family}_count: {samples.get(family + '_count')}, the result file {h['count']}")
        if abs(samples.get(family + "_sum", -1) - h["sum"] / per) > 1e-9 * max(1, h["sum"]):
            bad.append(f"{family}_sum: {samples.get(family + '_sum')}, the result file {h['sum'] / per}")
        if len(bad) == before:
            print(f"  {family}: {h['count']} values, {len(bounds)} buckets agree")
    else:
        want = eval(expr, {"r": r})
        if samples.get(key) != want:
            bad.append(f"{key}: /metrics {samples.get(key)}, the result file {want}")
    n += 1
if bad:
    print("\n".join("MISMATCH " + b for b in bad))
    sys.exit(1)
print(f"  {n} figures agree")
PY
}

# TCP and TLS: per-call connections, so they open, close and time their connects (TLS: handshakes,
# resumed with --tls-resume); serve accepts them. conn_run KIND SIP_PORT RUN_METRICS SERVE_METRICS [run options]
conn_checks=(
  'sipstorm_connections_opened_total=r["connections"]["opened"]'
  'sipstorm_connections_accepted_total=r["connections"]["accepted"]'
  'sipstorm_connections_closed_total=r["connections"]["closed"]'
  'sipstorm_connections_live=r["connections"]["open_at_end"]'
  'sipstorm_connections_peak=r["connections"]["peak"]'
  'sipstorm_connection_reconnects_total=r["connections"]["reconnects"]'
  'sipstorm_tls_sessions_resumed_total=r["connections"]["tls_resumed"]'
  'sipstorm_connections_failed_total{reason="closed_by_peer"}=r["connections"]["failed_by_reason"]["closed_by_peer"]'
  'sipstorm_connections_failed_total{reason="refused"}=r["connections"]["failed_by_reason"]["refused"]'
  'sipstorm_sip_bytes_total{direction="in"}=r["connections"]["bytes_in"]'
  'sipstorm_sip_bytes_total{direction="out"}=r["connections"]["bytes_out"]'
  'sipstorm_calls_succeeded_total=r["calls"]["succeeded"]'
  'hist:sipstorm_connect_seconds=connect_us'
  'hist:sipstorm_tls_handshake_seconds=handshake_us'
)
CALLS=40
conn_run() {
  local kind=$1 port=$2 run_m=$3 serve_m=$4 who
  shift 4
  "$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$port --transport "$kind" --shards 2 -q \
    --calls $CALLS --duration 60s --metrics "$serve_m" --metrics-linger 20s --out "$WORK/$kind-serve.json" \
    "${serve_tls[@]}" >"$WORK/$kind-serve.log" 2>&1 &
  PIDS+=("$!")
  wait_tcp "$port"
  "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --transport "$kind" --connections per-call --calls $CALLS \
    --rate 40 --shards 2 -q --metrics "$run_m" --metrics-linger 20s --out "$WORK/$kind-run.json" "$@" \
    >"$WORK/$kind-run.log" 2>&1 &
  PIDS+=("$!")
  final_metrics "$run_m" "$WORK/$kind-run.json" "$WORK/$kind-run.metrics"
  final_metrics "$serve_m" "$WORK/$kind-serve.json" "$WORK/$kind-serve.metrics"
  [ "$(json "$WORK/$kind-run.json" 'r["calls"]["succeeded"]')" = $CALLS ] || { cat "$WORK/$kind-run.log"; fail "$kind run: calls"; }
  [ "$(json "$WORK/$kind-run.json" 'r["connections"]["opened"]')" = $CALLS ] || fail "$kind run: not one connection per call"
  [ "$(json "$WORK/$kind-serve.json" 'r["connections"]["accepted"]')" = $CALLS ] || fail "$kind serve: accepted"
  for who in run serve; do
    lint "$kind-$who" "$WORK/$kind-$who.metrics"
    echo "$kind $who: /metrics against the result file"
    agree "$WORK/$kind-$who.metrics" "$WORK/$kind-$who.json" "${conn_checks[@]}" ||
      fail "$kind $who: /metrics and the result file disagree"
    python3 - "$WORK/$kind-$who.json" "$WORK/$kind-$who.metrics" <<'PY' || fail "$kind $who: failures by reason do not add up"
import json, sys
r = json.load(open(sys.argv[1]))
got = sum(float(l.rsplit(" ", 1)[1]) for l in open(sys.argv[2]) if l.startswith("sipstorm_connections_failed_total{"))
assert got == r["connections"]["failed"], (got, r["connections"]["failed"])
PY
  done
}
serve_tls=()
conn_run tcp $TCP_PORT $TCP_RUN_METRICS $TCP_SERVE_METRICS --target 127.0.0.1:$TCP_PORT
echo "PASS TCP connection figures: $CALLS connections opened and accepted, as the result files say"

need openssl openssl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
  -days 2 -subj /CN=sipstorm-test -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || fail "openssl req"
serve_tls=(--tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem")
conn_run tls $TLS_PORT $TLS_RUN_METRICS $TLS_SERVE_METRICS --target "sips:127.0.0.1:$TLS_PORT" \
  --tls-ca "$WORK/cert.pem" --tls-resume
handshakes=$(json "$WORK/tls-run.json" 'r["histograms"]["handshake_us"]["count"]')
[ "$handshakes" = $CALLS ] || fail "TLS run: $handshakes handshakes timed, not $CALLS"
echo "PASS TLS connection figures: $handshakes handshakes ($(json "$WORK/tls-run.json" 'r["connections"]["tls_resumed"]') resumed), as the result files say"

# Media: call_rtp.lua against serve answer_rtp.lua (which echoes the stream); both measure theirs.
CALLS=6
"$SIPSTORM" serve "$ROOT/scenarios/answer_rtp.lua" --listen 127.0.0.1:$RTP_SIP_PORT --shards 1 -q --calls $CALLS \
  --duration 60s --rtp-ports 42100-42199 --metrics $RTP_SERVE_METRICS --metrics-linger 20s \
  --out "$WORK/rtp-serve.json" >"$WORK/rtp-serve.log" 2>&1 &
PIDS+=("$!")
wait_udp $RTP_SIP_PORT
"$SIPSTORM" run "$ROOT/scenarios/call_rtp.lua" --target 127.0.0.1:$RTP_SIP_PORT --set talk=2 --calls $CALLS \
  --rate 3 --shards 1 -q --rtp-ports 42000-42099 --metrics $RTP_RUN_METRICS --metrics-linger 20s \
  --out "$WORK/rtp-run.json" >"$WORK/rtp-run.log" 2>&1 &
PIDS+=("$!")
final_metrics $RTP_RUN_METRICS "$WORK/rtp-run.json" "$WORK/rtp-run.metrics"
final_metrics $RTP_SERVE_METRICS "$WORK/rtp-serve.json" "$WORK/rtp-serve.metrics"
[ "$(json "$WORK/rtp-run.json" 'r["calls"]["succeeded"]')" = $CALLS ] || { cat "$WORK/rtp-run.log"; fail "media run: not all calls succeeded"; }
[ "$(json "$WORK/rtp-run.json" 'r["media"]["streams"]')" = $CALLS ] || fail "media run: streams"
[ "$(json "$WORK/rtp-run.json" 'r["media"]["packets_in"] > 0')" = True ] || fail "media run: no RTP came back"
media_checks=(
  'sipstorm_media_streams_live=r["series"][-1]["media"]["live"]'
  'sipstorm_media_streams_ended_total=r["media"]["streams"]'
  'sipstorm_media_no_rtp_calls_total=r["media"]["no_rtp_calls"]'
  'sipstorm_rtp_packets_total{direction="in"}=r["media"]["packets_in"]'
  'sipstorm_rtp_packets_total{direction="out"}=r["media"]["packets_out"]'
  'sipstorm_rtp_bytes_total{direction="in"}=r["media"]["bytes_in"]'
  'sipstorm_rtp_bytes_total{direction="out"}=r["media"]["bytes_out"]'
  'sipstorm_rtp_packets_expected_total=r["media"]["expected"]'
  'sipstorm_rtp_packets_lost_total=r["media"]["lost"]'
  'sipstorm_rtp_packets_late_total=r["media"]["late_packets"]'
  'sipstorm_rtp_packets_duplicate_total=r["media"]["duplicates"]'
  'sipstorm_rtp_packets_reordered_total=r["media"]["reordered"]'
  'sipstorm_rtp_packets_bad_total=r["media"]["bad_packets"]'
  'sipstorm_rtcp_packets_total{direction="in"}=r["media"]["rtcp_in"]'
  'sipstorm_rtcp_packets_total{direction="out"}=r["media"]["rtcp_out"]'
  'sipstorm_dtmf_events_sent_total=r["media"]["dtmf_sent"]'
  'sipstorm_dtmf_events_received_total{digit="#"}=r["media"]["dtmf_received"].get("#", 0)'
  'hist:sipstorm_rtp_jitter_seconds=media_jitter_us'
  'hist:sipstorm_rtp_jitter_max_seconds=media_jitter_max_us'
  'hist:sipstorm_media_mos=media_mos_milli'
  'hist:sipstorm_rtcp_rtt_seconds=media_rtt_us'
  'hist:sipstorm_rtp_echo_rtt_seconds=media_echo_rtt_us'
  'hist:sipstorm_rtp_send_late_seconds=media_send_late_us'
)
for who in run serve; do
  lint "rtp-$who" "$WORK/rtp-$who.metrics"
  echo "media $who: /metrics against the result file"
  agree "$WORK/rtp-$who.metrics" "$WORK/rtp-$who.json" "${media_checks[@]}" || fail "media $who: /metrics and the result file disagree"
done
[ "$(json "$WORK/rtp-serve.json" 'r["media"]["dtmf_received"].get("#", 0)')" = $CALLS ] || fail "serve: DTMF # not received"
echo "PASS media figures: $CALLS streams, $(json "$WORK/rtp-run.json" 'r["media"]["packets_in"]') packets back, MOS p50 $(json "$WORK/rtp-run.json" 'r["media"]["mos"]["p50"]'), as the result files say"
