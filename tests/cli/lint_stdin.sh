# lint reads standard input for '-'.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

run_stdin "$CORPUS/invite.sip" lint -
expect_status 0
expect_out '^<stdin>: ok INVITE call-id=3848276298220188511@atlanta\.example\.com$'

run_stdin "$RFC4475/ncl.dat" lint -
expect_status 1
expect_out '^<stdin>: invalid: '
finish
