# run --gate/--csv/--junit: gates decide the exit code (0 all hold, 4 one fails), their verdicts go
# into the result file and the JUnit report, the CSV has a header and a row per second; a bad gate or
# an unwritable output path is a usage error (exit 2) before any call is made.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

SCENARIO=$SRC/scenarios/basic_call.lua
# Until run takes the output options, say so once instead of a page of failed checks.
if ! "$SIPSTORM" run --help 2>/dev/null | grep -q -- '--gate'; then
    echo "FAIL: 'sipstorm run' has no --gate/--csv/--junit yet (see tools/cli/outputs.hpp: add_output_options)"
    exit 1
fi
one_line() { [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "stderr should be one line"; }
need python3 python3
# well_formed FILE: parses as XML.
well_formed() {
    python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$1" || fail "$1 is not well-formed XML"
}

run run "$SCENARIO" --calls 50 --rate 100 --shards 1 -q --out "$TMP/ok.json" --csv "$TMP/ok.csv" \
    --junit "$TMP/ok.xml" --gate 'failed_calls == 0' --gate 'p99(setup_ms) < 10000 and achieved_cps > 0'
expect_status 0
expect_out "^gates:$"
expect_out "^  PASS  failed_calls == 0 +failed_calls = 0 == 0$"
expect_out "^  PASS  p99\(setup_ms\) < 10000 and achieved_cps > 0 +p99\(setup_ms\) = [0-9.]+ < 10000; achieved_cps = "
expect_out "^  2 of 2 gates held$"
expect_out "^per-second CSV written to $(re "$TMP/ok.csv")$"
expect_out "^JUnit report written to $(re "$TMP/ok.xml")$"
grep -q '"schema_version": 1' "$TMP/ok.json" || fail "no schema_version in the result"
grep -q '"expr": "failed_calls == 0"' "$TMP/ok.json" || fail "no gate verdicts in the result"
head -1 "$TMP/ok.csv" | grep -Eq '^t,interval_s,attempted,succeeded,failed,cps,concurrent,' || fail "bad CSV header"
head -1 "$TMP/ok.csv" | grep -q ',out_INVITE,' || fail "no messages in the CSV"
rows=$(($(wc -l <"$TMP/ok.csv") - 1))
[ "$rows" -ge 1 ] || fail "the CSV has no rows"
grep -q '<testsuite name="sipstorm" tests="2" failures="0"' "$TMP/ok.xml" || fail "bad JUnit suite"
well_formed "$TMP/ok.xml"

# A gate that fails: exit 4, FAIL in the table, a <failure> in the report.
run run "$SCENARIO" --calls 50 --rate 100 --shards 1 -q --out "$TMP/bad.json" --junit "$TMP/bad.xml" \
    --gate 'failed_calls == 0' --gate 'p99(setup_ms) < 0'
expect_status 4
expect_out "^  FAIL  p99\(setup_ms\) < 0 +p99\(setup_ms\) = [0-9.]+, not < 0$"
expect_out "^  1 of 2 gates held: FAILED$"
grep -q '"pass": false' "$TMP/bad.json" || fail "no failed verdict in the result"
grep -q '<failure message="p99(setup_ms) = [0-9.]*, not &lt; 0" type="gate">' "$TMP/bad.xml" || fail "no <failure> in the report"
well_formed "$TMP/bad.xml"

# Without gates the exit code is the run's, and the JUnit report has one "calls" testcase.
run run "$SCENARIO" --calls 20 --rate 100 --shards 1 -q --junit "$TMP/calls.xml"
expect_status 0
grep -q '<testcase classname="sipstorm.run" name="calls" time="0"/>' "$TMP/calls.xml" || fail "no calls testcase"
well_formed "$TMP/calls.xml"

# Bad gates and paths: exit 2 with one line, and no call made (no summary).
run run "$SCENARIO" --calls 50 --rate 100 -q --gate 'p99(setup_ms) < 50ms'
expect_status 2
expect_err "^sipstorm run: --gate 'p99\(setup_ms\) < 50ms': column 19: 'ms' after a number"
one_line
grep -q '^==' "$TMP/out" && fail "the run started despite a bad gate"

run run "$SCENARIO" --calls 50 --rate 100 -q --gate 'faild_calls == 0'
expect_status 2
expect_err "column 1: unknown metric 'faild_calls' \(did you mean 'failed_calls'\?\); known: failed_calls, "
one_line

run run "$SCENARIO" --calls 50 --rate 100 -q --csv "$TMP/no/such/dir/s.csv"
expect_status 2
expect_err "^sipstorm run: --csv: cannot create .*directory '.*no/such/dir' is missing or not writable$"
one_line

run run --help
expect_status 0
expect_out "--gate"
expect_out "--junit"
finish
