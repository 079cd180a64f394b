# lint on valid files: a request and a response, one line each, exit 0.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
CALL_ID='3848276298220188511@atlanta\.example\.com'

run lint "$CORPUS/invite.sip"
expect_status 0
expect_out "^$(re "$CORPUS/invite.sip"): ok INVITE call-id=$CALL_ID\$"
expect_out_lines 1

run lint "$CORPUS/ok_200_invite.sip" "$CORPUS/ack.sip"
expect_status 0
expect_out "^$(re "$CORPUS/ok_200_invite.sip"): ok 200 OK call-id=$CALL_ID\$"
expect_out "^$(re "$CORPUS/ack.sip"): ok ACK call-id=$CALL_ID\$"
expect_out_lines 2
finish
