# Helpers for the CLI tests. Each test script is run as: bash TEST.sh SIPSTORM_BINARY SOURCE_DIR
# It runs the binary, then checks the exit code and the output; any failed check fails the test.
set -u
SIPSTORM=$1
SRC=$2
# shellcheck disable=SC2034  # used by the test scripts
CORPUS=$SRC/bench/corpus
# shellcheck disable=SC2034
RFC4475=$SRC/../shared/conformance/rfc4475
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
# shellcheck source=tests/need.sh
source "$SRC/tests/need.sh"  # need COMMAND PACKAGE: a missing tool fails the test, naming the package

# re TEXT: TEXT with the extended-regex metacharacters escaped (for paths inside patterns).
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }

# run ARGS...: runs sipstorm; sets $status, keeps stdout and stderr for the expect_* checks.
run() {
    "$SIPSTORM" "$@" >"$TMP/out" 2>"$TMP/err"
    status=$?
    echo "\$ sipstorm $* -> exit $status"
    sed 's/^/  out: /' "$TMP/out"
    sed 's/^/  err: /' "$TMP/err"
}

# run_stdin FILE ARGS...: like run, with FILE as standard input.
run_stdin() {
    local input=$1
    shift
    "$SIPSTORM" "$@" <"$input" >"$TMP/out" 2>"$TMP/err"
    status=$?
    echo "\$ sipstorm $* < $input -> exit $status"
    sed 's/^/  out: /' "$TMP/out"
    sed 's/^/  err: /' "$TMP/err"
}

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

expect_status() { [ "$status" -eq "$1" ] || fail "exit code $status, expected $1"; }
# expect_out REGEX / expect_err REGEX: some line of stdout / stderr matches the extended regex.
expect_out() { grep -Eq -- "$1" "$TMP/out" || fail "stdout has no line matching: $1"; }
expect_err() { grep -Eq -- "$1" "$TMP/err" || fail "stderr has no line matching: $1"; }
expect_out_lines() {
    local n
    n=$(wc -l <"$TMP/out")
    [ "$n" -eq "$1" ] || fail "stdout has $n lines, expected $1"
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed"
        exit 1
    fi
    echo "all checks passed"
    exit 0
}
