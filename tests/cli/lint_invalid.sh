# lint on RFC 4475 messages that must be rejected: exit 1 and the 400 a UAS would answer. A valid
# file next to an invalid one still gets its own line.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

run lint "$RFC4475/ncl.dat"
expect_status 1
expect_out "^$(re "$RFC4475/ncl.dat"): invalid: .+ \(answer 400 Bad Request\)\$"

run lint "$CORPUS/bye.sip" "$RFC4475/clerr.dat"
expect_status 1
expect_out "^$(re "$CORPUS/bye.sip"): ok BYE call-id="
expect_out "^$(re "$RFC4475/clerr.dat"): invalid: "
# A malformed response is dropped, not answered (RFC 3261 §18.1.2).
run lint "$RFC4475/bigcode.dat"
expect_status 1
expect_out "^$(re "$RFC4475/bigcode.dat"): invalid: .+ \(drop the response\)\$"
finish
