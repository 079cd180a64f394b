# sipstorm report in a real browser: a short run with packet loss writes a result, `report` turns it
# into a page, headless Chromium loads it. The page's script sets its title to "sipstorm report: ok"
# after drawing (to "sipstorm report: error ..." on any JavaScript error) and counts its plots in
# <body data-plots>; --dump-dom shows both. Also: no external URL, the result is embedded safely (a
# scenario name holding </script> does not break out), gate verdicts and the saturation warning
# show, and a page whose data is corrupt is reported as an error (so the check can fail).
# Leaves a screenshot in the test's working directory: report_html_browser.png.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

need chromium chromium
CHROMIUM=$(command -v chromium)

# browser ARGS... URL: headless Chromium, no network of its own, a fresh profile each time.
browser() {
    local profile
    profile=$(mktemp -d "$TMP/profile.XXXXXX")
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --enable-logging=stderr --v=0 --virtual-time-budget=5000 "$@"
}
# dom FILE.html OUT: the DOM after the page's script ran.
dom() {
    browser --dump-dom "file://$1" >"$2" 2>"$2.log"
    local s=$?
    [ "$s" -eq 0 ] || { fail "chromium --dump-dom $1 exited $s"; tail -5 "$2.log"; }
    echo "  title: $(grep -o '<title>[^<]*' "$2" | head -1)"
}
# expect_dom OUT REGEX [WHAT]: the dumped DOM matches.
expect_dom() { grep -Eq -- "$2" "$1" || fail "${3:-dumped DOM has no match for: $2}"; }

# 1. A real result: calls, retransmissions (5% loss, T1 50 ms), a per-second series, histograms.
timeout -s INT 60 "$SIPSTORM" run "$SRC/scenarios/basic_call.lua" --rate 200 --duration 3s --shards 1 \
    --loss 5 --t1 50 -q --out "$TMP/r.json" >"$TMP/run.out" 2>&1
echo "\$ sipstorm run ... --out r.json -> exit $?"
[ -s "$TMP/r.json" ] || { fail "sipstorm run wrote no result"; cat "$TMP/run.out"; finish; }

run report "$TMP/r.json" -o "$TMP/r.html"
expect_status 0
expect_out "report written to .*r\.html"
[ -s "$TMP/r.html" ] || fail "no page written"

# Self-contained: nothing to fetch (uPlot's SVG namespace string is no fetch).
if grep -Eio "(src|href)[[:space:]]*=[[:space:]]*[\"']?[a-z]*:?//|url\([\"']?[a-z]*:?//|@import" "$TMP/r.html" | head -3 | grep .; then
    fail "the page references an external URL"
fi
grep -q "Content-Security-Policy" "$TMP/r.html" || fail "the page has no Content-Security-Policy"
[ "$(grep -oi '<script' "$TMP/r.html" | wc -l)" -eq 3 ] || fail "expected 3 script elements"

dom "$TMP/r.html" "$TMP/r.dom"
expect_dom "$TMP/r.dom" "<title>sipstorm report: ok" "the page's script did not finish cleanly (title not ok)"
expect_dom "$TMP/r.dom" 'data-status="ok"'
# 6 plots over time (rate, concurrent, failures, retransmissions, setup p50/p99/max, health) and
# the setup-time histogram, each a uPlot canvas.
expect_dom "$TMP/r.dom" 'data-plots="7"' "the page did not draw 7 plots"
canvases=$(grep -o '<canvas' "$TMP/r.dom" | wc -l)
[ "$canvases" -ge 7 ] || fail "$canvases canvas elements, expected at least 7"
for id in chart-rate chart-concurrent chart-failures chart-retrans chart-setup chart-health chart-histogram latency-table; do
    expect_dom "$TMP/r.dom" "id=\"$id\"" "no element #$id"
done
expect_dom "$TMP/r.dom" "call setup time"
grep -q 'id="saturated"' "$TMP/r.dom" && ! grep -q '"saturated": *true' "$TMP/r.json" &&
    fail "saturation warning shown for a result that is not saturated"

browser --screenshot="$TMP/r.png" --window-size=1400,2400 "file://$TMP/r.html" >/dev/null 2>"$TMP/shot.log"
size=$(stat -c %s "$TMP/r.png" 2>/dev/null || echo 0)
echo "  screenshot: $size bytes"
[ "$size" -gt 50000 ] || fail "screenshot missing or nearly empty ($size bytes)"
cp "$TMP/r.png" "$PWD/report_html_browser.png" 2>/dev/null && echo "  saved $PWD/report_html_browser.png"

# 2. The same result with gates, a saturated generator and a hostile scenario name.
python3 - "$TMP/r.json" "$TMP/r2.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["scenario"] = "evil</script><script>document.title='pwned'</script><!-- & more"
r["generator"]["saturated"] = True
r["generator"]["saturation_reason"] = "shard 0 busy 99% of the time"
r["gates"] = [
    {"expr": "p99(setup_ms) < 1000", "pass": True, "value": 12.5, "threshold": 1000,
     "explanation": "p99(setup_ms) = 12.5 < 1000"},
    {"expr": "failed_calls == 0", "pass": False, "value": 3, "threshold": 0,
     "explanation": "failed_calls = 3, not == 0"},
    {"expr": "p99(response_ms.BYE) < 5", "pass": False, "value": None, "threshold": 5,
     "explanation": "p99(response_ms.BYE): no samples"},
]
json.dump(r, open(sys.argv[2], "w"))
PY
run report "$TMP/r2.json" -o "$TMP/r2.html"
expect_status 0
[ "$(grep -oi '</script' "$TMP/r2.html" | wc -l)" -eq 3 ] || fail "the embedded result closes a script element"
dom "$TMP/r2.html" "$TMP/r2.dom"
expect_dom "$TMP/r2.dom" "<title>sipstorm report: ok" "page with gates: title not ok"
grep -q "<title>pwned" "$TMP/r2.dom" && fail "the scenario name ran as script"
[ "$(grep -o '<script' "$TMP/r2.dom" | wc -l)" -eq 3 ] || fail "the scenario name added a script element"
expect_dom "$TMP/r2.dom" 'data-plots="7"'
expect_dom "$TMP/r2.dom" 'id="saturated"' "no saturation warning"
expect_dom "$TMP/r2.dom" "GENERATOR SATURATED"
expect_dom "$TMP/r2.dom" "shard 0 busy 99% of the time"
expect_dom "$TMP/r2.dom" 'id="gates-table"' "no gates table"
expect_dom "$TMP/r2.dom" "Gates: 2 of 3 FAILED"
expect_dom "$TMP/r2.dom" '<td class="pass">PASS'
expect_dom "$TMP/r2.dom" '<td class="fail">FAIL'
expect_dom "$TMP/r2.dom" "failed_calls = 3, not == 0"
# A run without --gate writes "gates": [] (no section then).
grep -q 'id="gates-table"' "$TMP/r.dom" && fail "a gates table for a result without gates"
expect_dom "$TMP/r2.dom" "evil&lt;/script&gt;&lt;script&gt;" "the scenario name is not shown as text"

# 3. A minimal result (no series, no histograms, e.g. merged): tables only, no script error.
echo '{"tool": {"name": "sipstorm"}, "calls": {"attempted": 0}}' >"$TMP/minimal.json"
run report "$TMP/minimal.json" -o "$TMP/minimal.html"
expect_status 0
dom "$TMP/minimal.html" "$TMP/minimal.dom"
expect_dom "$TMP/minimal.dom" "<title>sipstorm report: ok" "minimal result: title not ok"
expect_dom "$TMP/minimal.dom" 'data-plots="0"'
expect_dom "$TMP/minimal.dom" "no per-second series"

# 4. A TCP run with a connection per call: the Connections table and the connections chart.
timeout -s INT 60 "$SIPSTORM" run "$SRC/scenarios/basic_call.lua" --transport tcp --connections per-call --rate 100 \
    --duration 2s --shards 1 -q --out "$TMP/tcp.json" >"$TMP/tcp.out" 2>&1
run report "$TMP/tcp.json" -o "$TMP/tcp.html"
expect_status 0
dom "$TMP/tcp.html" "$TMP/tcp.dom"
expect_dom "$TMP/tcp.dom" "<title>sipstorm report: ok" "TCP result: title not ok"
expect_dom "$TMP/tcp.dom" "<caption>Connections" "TCP result: no Connections table"
expect_dom "$TMP/tcp.dom" "connect time p50" "TCP result: no connect times"
expect_dom "$TMP/tcp.dom" 'data-plots="8"' "TCP result: no connections chart"

# 5. A run with RTP media (call_rtp.lua against its built-in UAS, answer_rtp.lua, which echoes): the
#    media charts and the MOS and jitter histograms among the choices.
timeout -s INT 60 "$SIPSTORM" run "$SRC/scenarios/call_rtp.lua" --rate 10 --duration 2s --shards 1 \
    --rtp-ports 29300-29399 --set talk=1 -q --out "$TMP/rtp.json" >"$TMP/rtp.out" 2>&1
run report "$TMP/rtp.json" -o "$TMP/rtp.html"
expect_status 0
dom "$TMP/rtp.html" "$TMP/rtp.dom"
expect_dom "$TMP/rtp.dom" "<title>sipstorm report: ok" "media result: title not ok"
expect_dom "$TMP/rtp.dom" 'id="chart-media"' "media result: no loss/jitter chart"
expect_dom "$TMP/rtp.dom" 'id="chart-media-packets"' "media result: no packets chart"
expect_dom "$TMP/rtp.dom" "media: MOS per stream" "media result: no MOS histogram to choose"
expect_dom "$TMP/rtp.dom" "<caption>Media \(RTP\)" "media result: no Media table"
expect_dom "$TMP/rtp.dom" 'data-plots="9"' "media result: not 9 plots (7 + 2 media)"

# 6. The check can fail: a page whose embedded data is corrupt must say so in its title.
sed 's|"calls":{|"calls":{{|' "$TMP/r.html" >"$TMP/broken.html"
cmp -s "$TMP/r.html" "$TMP/broken.html" && fail "could not corrupt the page for the negative check"
dom "$TMP/broken.html" "$TMP/broken.dom"
expect_dom "$TMP/broken.dom" "<title>sipstorm report: error" "a page with a script error still says ok"
finish
