#!/usr/bin/env bash
# --metrics: `promtool check metrics` accepts what run and serve serve at /metrics, and a real
# Prometheus (started here with its own config and storage, on loopback) scrapes a running
# `sipstorm run`; a query over its HTTP API returns the call count of the result file: within one
# scrape interval without --metrics-linger, exactly with it (the endpoint waits for a last scrape).
source "$(dirname "$0")/lib.sh"
need promtool prometheus
need prometheus prometheus
PROM_PORT=29090
METRICS_PORT=29100
SERVE_METRICS=29101
SIP_PORT=25072
RATE=200

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
