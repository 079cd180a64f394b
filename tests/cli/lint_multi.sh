# lint on files holding several messages back to back (split by Content-Length), and on a single
# datagram without Content-Length.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

call="$TMP/call.sip"
for f in invite trying_100 ringing_180 ok_200_invite ack bye ok_200_bye; do
    cat "$CORPUS/$f.sip" >>"$call"
done
run lint "$call"
expect_status 0
expect_out_lines 7
expect_out "^$(re "$call")#1: ok INVITE call-id="
expect_out "^$(re "$call")#2: ok 100 Trying call-id="
expect_out "^$(re "$call")#3: ok 180 Ringing call-id="
expect_out "^$(re "$call")#4: ok 200 OK call-id="
expect_out "^$(re "$call")#5: ok ACK call-id="
expect_out "^$(re "$call")#6: ok BYE call-id="
expect_out "^$(re "$call")#7: ok 200 OK call-id="

# Blank lines between messages (keep-alives) are skipped; an invalid last message fails the file.
mixed="$TMP/mixed.sip"
{ cat "$CORPUS/bye.sip"; printf '\r\n\r\n'; cat "$CORPUS/ok_200_bye.sip" "$RFC4475/ncl.dat"; } >"$mixed"
run lint "$mixed"
expect_status 1
expect_out_lines 3
expect_out "^$(re "$mixed")#1: ok BYE "
expect_out "^$(re "$mixed")#2: ok 200 OK "
expect_out "^$(re "$mixed")#3: invalid: "

# One datagram without Content-Length.
datagram="$TMP/datagram.sip"
grep -av '^Content-Length' "$CORPUS/bye.sip" >"$datagram"
run lint "$datagram"
expect_status 0
expect_out "^$(re "$datagram"): ok BYE call-id="
finish
