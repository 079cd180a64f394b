#!/usr/bin/env bash
# Proves the Kamailio fixture (tests/integration/kamailio/) with SIPp only, on loopback:
#  (a) digest-auth REGISTER + unregister through the registrar (and a wrong password is refused),
#  (b) SIPp's built-in uac -> record-routing proxy -> SIPp's built-in uas, no INVITE auth,
#  (c) WITH_INVITE_AUTH: sipp_call_auth.xml (INVITE/407/ACK/INVITE+Proxy-Authorization)
#      -> proxy -> a Record-Route-echoing SIPp uas; ACK and BYE must be loose-routed.
#  (d) CANCEL through the proxy (no INVITE auth): INVITE/180/CANCEL/200/487/ACK end to end.
#  (e) WITH_SHA256: a REGISTER challenge names algorithm=SHA-256 and a SHA-256 digest
#      response (computed here in Python; SIPp 3.6 only does MD5) is accepted.
# Does not need sipstorm: SIPSTORM/ROOT default to placeholders for lib.sh.
export SIPSTORM=${SIPSTORM:-/bin/false} ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$(dirname "$0")/kamailio_lib.sh"
need sipp sip-tester
FIX="$(cd "$(dirname "$0")" && pwd)/kamailio"
PROXY=25160; UAS=25161; UAC=25162; PROXY_AUTH=25163; UAS_RR=25164; PROXY_SHA=25165; PROXY_CXL=25166; UAS_CXL=25167
CALLS=${CALLS:-50}

# users.csv: "user;password;[authentication ...]" (see sipp_register_auth.xml)
{ echo SEQUENTIAL
  for i in $(seq 0 19); do echo "user$i;pw$i;[authentication username=user$i password=pw$i]"; done
  echo "alice;secret;[authentication username=alice password=secret]"
} > "$WORK/users.csv"

# digest_register PORT USER PASSWORD ALGORITHM EXPECTED-STATUS: one REGISTER, its 401, the
# REGISTER with a digest response computed here (MD5 or SHA-256, qop=auth if offered);
# succeeds if the challenge names ALGORITHM and the second answer has EXPECTED-STATUS.
digest_register() {
  python3 - "$@" <<'PY'
import hashlib, random, re, socket, sys
port, user, pw, algo, want = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
realm, uri = "sipstorm.test", "sip:sipstorm.test"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.settimeout(2)
lp = s.getsockname()[1]; cid = f"dr-{random.getrandbits(32)}@127.0.0.1"
def register(cseq, auth=""):
    m = (f"REGISTER {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bK-dr{random.getrandbits(32)}\r\n"
         f"Max-Forwards: 70\r\nFrom: <sip:{user}@{realm}>;tag=dr1\r\nTo: <sip:{user}@{realm}>\r\n"
         f"Call-ID: {cid}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{user}@127.0.0.1:{lp}>\r\n"
         f"Expires: 60\r\n{auth}Content-Length: 0\r\n\r\n")
    s.sendto(m.encode(), ("127.0.0.1", port)); return s.recv(65535).decode()
r = register(1)
assert r.startswith("SIP/2.0 401"), r
ch = re.search(r"WWW-Authenticate: Digest (.*)\r\n", r).group(1)
if algo != "MD5":
    assert f"algorithm={algo}" in ch, ch
nonce = re.search(r'nonce="([^"]+)"', ch).group(1)
h = lambda x: (hashlib.sha256 if algo == "SHA-256" else hashlib.md5)(x.encode()).hexdigest()
ha1, ha2, cn, nc = h(f"{user}:{realm}:{pw}"), h(f"REGISTER:{uri}"), "0a4f113b", "00000001"
qop = re.search(r'qop="?auth"?', ch) is not None
resp = h(f"{ha1}:{nonce}:{nc}:{cn}:auth:{ha2}") if qop else h(f"{ha1}:{nonce}:{ha2}")
extra = f', qop=auth, nc={nc}, cnonce="{cn}"' if qop else ""
r = register(2, f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                f'response="{resp}", algorithm={algo}{extra}\r\n')
print(f"digest_register {user} {algo}: challenge [{ch}] -> {r.splitlines()[0]}")
sys.exit(0 if r.startswith(f"SIP/2.0 {want} ") else 1)
PY
}

# sipp_run NAME ARGS...: runs SIPp in $WORK with its error trace, 60 s cap; returns its status.
sipp_run() {
  local name=$1; shift
  (cd "$WORK" && timeout 60 sipp "$@" -i 127.0.0.1 -nostdin -trace_err -error_file "$WORK/$name.err" \
     >"$WORK/$name.out" 2>&1)
}
show() { tail -n 15 "$WORK/$1.out" >&2; [ -f "$WORK/$1.err" ] && tail -n 20 "$WORK/$1.err" >&2; kamailio_log_dump; }

# A SIPp uas scenario that echoes Record-Route in its 180/200 (the built-in one does not).
sipp -sd uas > "$WORK/uas_rr.xml" || true   # -sd exits with 99 after dumping
sed -i 's/^\( *\)\[last_Call-ID:\]/&\n\1[last_Record-Route:]/' "$WORK/uas_rr.xml"
grep -q 'last_Record-Route' "$WORK/uas_rr.xml" || fail "could not build the Record-Route-echoing uas scenario"

# start_uas PORT [SCENARIO-ARGS...]: SIPp uas in the background, tracked by PID.
start_uas() {
  local port=$1; shift
  (cd "$WORK" && exec sipp "$@" -i 127.0.0.1 -p "$port" -nostdin -trace_err \
     -error_file "$WORK/uas-$port.err" >"$WORK/uas-$port.out" 2>&1) &
  PIDS+=("$!")
  wait_udp "$port"
}

# ---- (a) registrar: REGISTER/401/REGISTER+auth/200, then Expires: 0 ----
start_kamailio $PROXY $UAS "" WITH_TRACE
sipp_run reg 127.0.0.1:$PROXY -sf "$FIX/sipp_register_auth.xml" -inf "$WORK/users.csv" \
  -key domain sipstorm.test -p $UAC -m 21 -r 50 \
  || { show reg; fail "(a) SIPp registration with digest auth failed"; }
grep -q 'Successful call.*| *21 *$' "$WORK/reg.out" || { show reg; fail "(a) not 21 successful registrations"; }
[ "$(grep -c 'REGISTER saved' "$KAMAILIO_LOG")" = 42 ] || { show reg; fail "(a) kamailio did not save 42 REGISTERs"; }
echo "PASS (a) register + unregister with digest auth: 21/21"
# a wrong password draws a new 401 (digest computed in Python, no SIPp retransmission wait)
digest_register $PROXY user3 wrongpw MD5 401 || { kamailio_log_dump; fail "(a) a wrong password was accepted"; }
grep -q "challenged (auth user 'user3', code -2)" "$KAMAILIO_LOG" || { kamailio_log_dump; fail "(a) no invalid-password log line"; }
echo "PASS (a) wrong password refused with 401"

# ---- (b) built-in uac -> proxy (record-route, no INVITE auth) -> built-in uas ----
start_uas $UAS -sn uas
sipp_run uac 127.0.0.1:$PROXY -sn uac -p $UAC -m "$CALLS" -r 50 \
  || { show uac; fail "(b) SIPp uac calls through the proxy failed"; }
grep -q "Successful call.*| *$CALLS *\$" "$WORK/uac.out" || { show uac; fail "(b) not $CALLS successful calls"; }
# the built-in uas does not echo Record-Route, so ACK/BYE arrive without Route and take
# the fixture's "in-dialog to myself -> UAS" fallback
nfb=$(grep -c 'in-dialog \(ACK\|BYE\) without Route, to sip:127.0.0.1:'$UAS "$KAMAILIO_LOG" || true)
[ "$nfb" = $((2 * CALLS)) ] || { show uac; fail "(b) expected $((2 * CALLS)) ACK/BYE via the fallback, got $nfb"; }
echo "PASS (b) sipp -sn uac -> kamailio -> sipp -sn uas: $CALLS/$CALLS (ACK+BYE via fallback: $nfb)"
stop_kamailio

# ---- (c) WITH_INVITE_AUTH: 407 handling + dialog through the Record-Route ----
start_kamailio $PROXY_AUTH $UAS_RR with_invite_auth WITH_TRACE
start_uas $UAS_RR -sf "$WORK/uas_rr.xml"
sipp_run auth 127.0.0.1:$PROXY_AUTH -sf "$FIX/sipp_call_auth.xml" -s service -inf "$WORK/users.csv" \
  -key domain sipstorm.test -p $UAC -m "$CALLS" -r 50 \
  || { show auth; fail "(c) SIPp calls with proxy auth failed"; }
grep -q "Successful call.*| *$CALLS *\$" "$WORK/auth.out" || { show auth; fail "(c) not $CALLS successful calls"; }
n407=$(grep -c 'INVITE challenged with 407' "$KAMAILIO_LOG" || true)
nack=$(grep -c 'in-dialog ACK loose-routed' "$KAMAILIO_LOG" || true)
nbye=$(grep -c 'in-dialog BYE loose-routed' "$KAMAILIO_LOG" || true)
[ "$n407" = "$CALLS" ] || { show auth; fail "(c) expected $CALLS INVITEs challenged with 407, got $n407"; }
[ "$nack" = "$CALLS" ] && [ "$nbye" = "$CALLS" ] \
  || { show auth; fail "(c) ACK/BYE not loose-routed ($nack ACK, $nbye BYE of $CALLS)"; }
echo "PASS (c) INVITE/407/ACK/INVITE+auth -> record-routed dialog: $CALLS/$CALLS (407: $n407, loose-routed ACK: $nack, BYE: $nbye)"
stop_kamailio

# ---- (d) CANCEL relayed hop by hop (t_check_trans + t_relay), no INVITE auth ----
cp "$(dirname "$0")/sipp_uas_cancel.xml" "$WORK/uas_cancel.xml"
cat > "$WORK/uac_cancel.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac: INVITE, CANCEL on 180">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:cxl@[local_ip]:[local_port]>;tag=[pid]CxlTag[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:cxl@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180"/>
  <send retrans="500"><![CDATA[
      CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: <sip:cxl@[local_ip]:[local_port]>;tag=[pid]CxlTag[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 CANCEL
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <recv response="200"/>
  <recv response="487"/>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: <sip:cxl@[local_ip]:[local_port]>;tag=[pid]CxlTag[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <pause milliseconds="100"/>
</scenario>
XML
start_kamailio $PROXY_CXL $UAS_CXL "" WITH_TRACE
start_uas $UAS_CXL -sf "$WORK/uas_cancel.xml"
sipp_run cxl 127.0.0.1:$PROXY_CXL -sf "$WORK/uac_cancel.xml" -s service -p $UAC -m 20 -r 50 \
  || { show cxl; fail "(d) CANCEL calls through the proxy failed"; }
grep -q 'Successful call.*| *20 *$' "$WORK/cxl.out" || { show cxl; fail "(d) not 20 cancelled calls"; }
ncxl=$(grep -c 'request CANCEL' "$KAMAILIO_LOG" || true)
[ "$ncxl" = 20 ] || { show cxl; fail "(d) kamailio saw $ncxl CANCELs, expected 20"; }
echo "PASS (d) INVITE/180/CANCEL/200/487/ACK through the proxy: 20/20"
stop_kamailio

# ---- (e) WITH_SHA256: challenge and response with algorithm=SHA-256 ----
start_kamailio $PROXY_SHA $UAS "" WITH_SHA256
digest_register $PROXY_SHA user7 pw7 SHA-256 200 || { kamailio_log_dump; fail "(e) SHA-256 digest REGISTER failed"; }
digest_register $PROXY_SHA user7 pw8 SHA-256 401 || { kamailio_log_dump; fail "(e) SHA-256: wrong password accepted"; }
echo "PASS (e) SHA-256 digest REGISTER accepted"
stop_kamailio
echo "PASS kamailio fixture smoke test"
