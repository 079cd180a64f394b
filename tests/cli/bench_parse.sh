# bench parse on the corpus prints msgs/s per file and for the set; invalid messages are refused.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

run bench parse --seconds 1 "$CORPUS"/*.sip
expect_status 0
expect_out 'msgs/s'
expect_out "^$(re "$CORPUS/invite.sip") +1 +[0-9]+ +[0-9.]+\$"
expect_out '^all +7 +[0-9]+ +[0-9.]+$'

run bench parse --seconds 0.2 "$RFC4475/ncl.dat"
expect_status 1
expect_err 'ncl\.dat.*invalid'

run bench parse --seconds 0 "$CORPUS/invite.sip"
expect_status 2

run bench frobnicate "$CORPUS/invite.sip"
expect_status 2

run bench --help
expect_status 0
expect_out 'Usage: sipstorm bench parse'
finish
