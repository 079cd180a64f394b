# lint on a file that does not exist: one clear line on stderr naming it, exit 2. Usage errors exit 2.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

run lint "$TMP/no-such-file.sip"
expect_status 2
expect_err "no-such-file\.sip.*No such file"
[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "stderr should be one line"

run lint
expect_status 2

run lint --bogus "$CORPUS/invite.sip"
expect_status 2

run lint --help
expect_status 0
expect_out "Usage: sipstorm lint"
finish
