-- basic_call.lua: one basic call as a UAC, its messages written verbatim, SIPp-style.
-- (scenarios/answer.lua is the UAS side, written with the lua/sipstorm.lua helpers; the same INVITE
-- from helpers would be: send = sip.invite{ to = "sip:${service}@${remote_ip}:${remote_port}",
-- sdp = sip.sdp_offer() }, then sip.ack_2xx() and sip.bye().)
--
--   INVITE (SDP offer) -> 100 (optional) -> 180 (optional) -> 200 (SDP answer) -> ACK
--   -> hold for `hold` seconds -> BYE -> 200
--
-- Run:
--   sipstorm run scenarios/basic_call.lua --target 192.0.2.10:5060 --rate 500 --set service=1000 --set hold=30
--   (without --target it calls the built-in UAS on loopback)
--
-- Parameters (--set NAME=VALUE):
--   service  user part of the Request-URI and To, like SIPp's -s     default "service"
--   hold     seconds between the ACK and the BYE (fractions allowed)  default 0
--
-- ACK and BYE are in-dialog requests (RFC 3261 §12.2.1.1): they go to ${remote_target} (the 200's
-- Contact) through ${routes} (its Record-Route, reversed), with both tags. The ACK for a 2xx takes the
-- INVITE's CSeq number; the engine gives the BYE the next one, so both just say ${cseq}.
return {
  name = "basic_call",
  role = "uac",
  params = { service = "service", hold = "0" },
  steps = {
    { send = [[
        INVITE sip:${service}@${remote_ip}:${remote_port} SIP/2.0
        Via: SIP/2.0/${transport} ${local_ip}:${local_port};branch=${branch};rport
        Max-Forwards: 70
        From: <sip:sipstorm@${local_ip}:${local_port}>;tag=${local_tag}
        To: <sip:${service}@${remote_ip}:${remote_port}>
        Call-ID: ${call_id}
        CSeq: ${cseq} INVITE
        Contact: <sip:sipstorm@${local_ip}:${local_port};transport=${transport}>
        Content-Type: application/sdp
        Content-Length: ${len}

        v=0
        o=sipstorm ${call_number} 1 IN IP4 ${local_ip}
        s=-
        c=IN IP4 ${local_ip}
        t=0 0
        m=audio ${media_port} RTP/AVP 0 8 101
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=sendrecv
      ]] },

    { recv = 100, optional = true },
    { recv = 180, optional = true },
    { recv = 200 },

    { send = [[
        ACK ${remote_target} SIP/2.0
        Via: SIP/2.0/${transport} ${local_ip}:${local_port};branch=${branch};rport
        Max-Forwards: 70
        ${routes}
        From: <sip:sipstorm@${local_ip}:${local_port}>;tag=${local_tag}
        To: <sip:${service}@${remote_ip}:${remote_port}>;tag=${remote_tag}
        Call-ID: ${call_id}
        CSeq: ${cseq} ACK
        Content-Length: 0
      ]] },

    { pause = "${hold}s" },

    { send = [[
        BYE ${remote_target} SIP/2.0
        Via: SIP/2.0/${transport} ${local_ip}:${local_port};branch=${branch};rport
        Max-Forwards: 70
        ${routes}
        From: <sip:sipstorm@${local_ip}:${local_port}>;tag=${local_tag}
        To: <sip:${service}@${remote_ip}:${remote_port}>;tag=${remote_tag}
        Call-ID: ${call_id}
        CSeq: ${cseq} BYE
        Content-Length: 0
      ]] },

    { recv = 200 },
  },
}
