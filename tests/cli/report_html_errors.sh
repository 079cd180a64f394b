# sipstorm report on bad input: a missing file, invalid JSON, JSON that is not a sipstorm result,
# usage errors. Each gives one clear line on stderr and exit 2, and writes no page. --help exits 0.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"


one_line() { [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "stderr should be one line"; }

run report "$TMP/no-such.json" -o "$TMP/a.html"
expect_status 2
expect_err "^sipstorm report: cannot read .*no-such\.json.*No such file"
one_line
[ -e "$TMP/a.html" ] && fail "a page was written for a missing input"

printf '{"tool": {"name": "sipstorm"}, "calls": {' >"$TMP/truncated.json"
run report "$TMP/truncated.json" -o "$TMP/a.html"
expect_status 2
expect_err "^sipstorm report: .*truncated\.json: invalid JSON: .*line 1"
one_line
[ -e "$TMP/a.html" ] && fail "a page was written for invalid JSON"

echo '[1, 2, 3]' >"$TMP/array.json"
run report "$TMP/array.json" -o "$TMP/a.html"
expect_status 2
expect_err "array\.json: not a sipstorm result"
one_line

echo '{"name": "something else", "calls": 3}' >"$TMP/other.json"
run report "$TMP/other.json" -o "$TMP/a.html"
expect_status 2
expect_err "other\.json: not a sipstorm result"
one_line

echo '{"tool": {"name": "sipstorm"}, "calls": {"attempted": 1}, "series": 5}' >"$TMP/bad-series.json"
run report "$TMP/bad-series.json" -o "$TMP/a.html"
expect_status 2
expect_err "series"
one_line

run report "$TMP" -o "$TMP/a.html"
expect_status 2
expect_err "is a directory"
one_line

# A minimal result (no series, no histograms) still gives a page.
echo '{"tool": {"name": "sipstorm"}, "calls": {"attempted": 0}}' >"$TMP/minimal.json"
run report "$TMP/minimal.json" -o "$TMP/minimal.html"
expect_status 0
expect_out "report written to .*minimal\.html"
grep -q 'id="sipstorm-result"' "$TMP/minimal.html" || fail "the page does not embed the result"

# Default output name: RESULT.json -> RESULT.html; '-' reads stdin and -o - writes stdout.
run report "$TMP/minimal.json"
expect_status 0
[ -s "$TMP/minimal.html" ] || fail "no $TMP/minimal.html"
run_stdin "$TMP/minimal.json" report - -o -
expect_status 0
expect_out "^<!doctype html>"

run report
expect_status 2
expect_err "no RESULT\.json given"
one_line

run report "$TMP/minimal.json" --bogus
expect_status 2
expect_err "unknown option '--bogus'"

run report "$TMP/minimal.json" "$TMP/minimal.json"
expect_status 2

run report "$TMP/minimal.json" -o
expect_status 2

run report --help
expect_status 0
expect_out "Usage: sipstorm report RESULT\.json"
finish
