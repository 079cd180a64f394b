# sipstorm compare: exit 0 without a regression, 3 with one, 2 on usage and input errors (one line).
# The result files come from two short runs against the built-in UAS.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

# Until main.cpp dispatches `compare`, say so once instead of a page of failed checks.
if ! "$SIPSTORM" compare --help >/dev/null 2>&1; then
    echo "FAIL: 'sipstorm compare' is not wired into main.cpp (see tools/cli/outputs.hpp: cmd_compare)"
    exit 1
fi
one_line() { [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "stderr should be one line"; }

run run "$SRC/scenarios/basic_call.lua" --calls 50 --rate 100 --shards 1 -q --out "$TMP/a.json"
expect_status 0
run run "$SRC/scenarios/basic_call.lua" --calls 50 --rate 100 --shards 1 -q --out "$TMP/b.json"
expect_status 0

# A result against itself: every metric ok.
run compare "$TMP/a.json" "$TMP/a.json"
expect_status 0
expect_out "^metric +baseline +result +delta +verdict$"
for m in achieved_cps failed_calls retransmissions 'p50\(setup_ms\)' 'p99\(setup_ms\)' 'p99\(call_ms\)'; do
    expect_out "^$m .* ok$"
done
expect_out "^no regression beyond the tolerance \(5%\)$"

# Two real runs: latencies below a millisecond jitter by far more than 5%, so judge with room.
run compare "$TMP/a.json" "$TMP/b.json" --tolerance 100000% --abs-tolerance 1000
expect_status 0

# Failed calls where the baseline had none: a zero baseline, judged by the absolute difference.
sed '0,/"failed": 0,/s//"failed": 7,/' "$TMP/a.json" >"$TMP/failed.json"
run compare "$TMP/a.json" "$TMP/failed.json"
expect_status 3
expect_out "^failed_calls +0 +7 +\+7 \(abs\) +REGRESSION$"
expect_out "^1 regression\(s\) beyond the tolerance"
run compare "$TMP/a.json" "$TMP/failed.json" --abs-tolerance 7
expect_status 0
run compare "$TMP/failed.json" "$TMP/a.json"
expect_status 0
expect_out "^failed_calls .* improved$"

# Chosen metrics, any value expression of the gate language.
run compare "$TMP/a.json" "$TMP/a.json" --metric 'p99(response_ms.INVITE)' --metric 'succeeded_calls / attempted_calls'
expect_status 0
expect_out "^p99\(response_ms.INVITE\) "
expect_out "^succeeded_calls / attempted_calls +1 +1 +0% +ok$"
expect_out_lines 7  # two headers, blank, table header, 2 metrics, closing line

# Usage and input errors: exit 2, one line on stderr.
run compare "$TMP/a.json" "$TMP/no-such.json"
expect_status 2
expect_err "^sipstorm compare: cannot read '.*no-such\.json': No such file or directory$"
one_line

printf '{"calls": {' >"$TMP/truncated.json"
run compare "$TMP/truncated.json" "$TMP/a.json"
expect_status 2
expect_err "^sipstorm compare: '.*truncated\.json' is not valid JSON: parse error at line 1, column 12"
one_line

echo '{"name": "something else"}' >"$TMP/other.json"
run compare "$TMP/a.json" "$TMP/other.json"
expect_status 2
expect_err "other\.json' is not a sipstorm result file"
one_line

run compare "$TMP/a.json"
expect_status 2
expect_err "expects BASELINE.json and RESULT.json"
one_line

run compare "$TMP/a.json" "$TMP/a.json" --tolerance five
expect_status 2
expect_err "^sipstorm compare: --tolerance: 'five' is not a tolerance"
one_line

run compare "$TMP/a.json" "$TMP/a.json" --metric 'p99(setup)'
expect_status 2
expect_err "^sipstorm compare: --metric 'p99\(setup\)': column 1: unknown distribution 'setup'"
one_line

run compare "$TMP/a.json" "$TMP/a.json" --bogus
expect_status 2
one_line

run compare --help
expect_status 0
expect_out "^Usage: sipstorm compare BASELINE.json RESULT.json"
finish
