# lint --datagram takes each file as one UDP datagram (RFC 4475 dblreq: a REGISTER followed by
# extra octets, which a UDP receiver ignores); without it, the extra octets are further messages.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

run lint --datagram "$RFC4475/dblreq.dat"
expect_status 0
expect_out_lines 1
expect_out "^$(re "$RFC4475/dblreq.dat"): ok REGISTER call-id=dblreq\."

run lint "$RFC4475/dblreq.dat"
expect_out "^$(re "$RFC4475/dblreq.dat")#1: ok REGISTER call-id=dblreq\."
expect_out "^$(re "$RFC4475/dblreq.dat")#2: ok INVITE call-id=dblreq\."
finish
