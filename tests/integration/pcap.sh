#!/usr/bin/env bash
# --pcap writes every SIP message sent and received, with real addresses; tshark reads it back.
source "$(dirname "$0")/lib.sh"
need tshark tshark
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --calls 30 --rate 100 --shards 2 -q --pcap "$WORK/t.pcap" \
  > /dev/null || fail "exit code $?"
tshark_sip -r "$WORK/t.pcap" -Y sip -T fields -e ip.src -e udp.dstport -e sip.Method -e sip.Status-Code \
  2>/dev/null > "$WORK/fields.txt" || fail "tshark cannot read the trace"
count() { awk -F'\t' -v m="$1" -v c="$2" '($3 == m && m != "") || ($4 == c && c != "") {n++} END {print n+0}' "$WORK/fields.txt"; }
[ "$(count INVITE "")" = 30 ] || fail "INVITEs: $(count INVITE "")"
[ "$(count ACK "")" = 30 ] || fail "ACKs"
[ "$(count BYE "")" = 30 ] || fail "BYEs"
[ "$(count "" 180)" = 30 ] || fail "180s"
[ "$(count "" 200)" = 60 ] || fail "200s"
grep -q "^127.0.0.1" "$WORK/fields.txt" || fail "no real source address"
ls "$WORK"/t.pcap.shard* >/dev/null 2>&1 && fail "per-shard temporary files left behind"
echo "PASS pcap: $(wc -l < "$WORK/fields.txt") SIP messages read back by tshark"
