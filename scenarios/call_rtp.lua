-- call_rtp.lua: a call with media as a UAC: it plays a tone (or a WAV file, or a capture's RTP) to
-- the callee for `talk` seconds, sends DTMF `digits` on the stream (RFC 4733), then hangs up. What
-- comes back is measured (loss, jitter, MOS, the round trip of an echo; RFC 3550).
--
--   INVITE (SDP offer: PCMU, PCMA, telephone-event) -> 100? -> 180? -> 200 (SDP answer) -> ACK
--   -> RTP for `talk` s -> DTMF -> BYE -> 200
--
-- Run:
--   sipstorm run scenarios/call_rtp.lua --target 192.0.2.10:5060 --concurrent 100 --duration 60s --set talk=20
--   (without --target it calls the built-in UAS, scenarios/answer_rtp.lua, which echoes the stream)
--
-- Parameters (--set NAME=VALUE):
--   service  user part of the Request-URI                          default "service"
--   talk     seconds of audio                                       default 5
--   play     what to play: tone:HZ, an 8 kHz WAV file, pcap:FILE    default tone:1000
--   codec    PCMU or PCMA                                           default PCMU
--   digits   DTMF to send after the audio                           default 123#
--
-- The stream sends from ${media_port} (a port pair per call from --rtp-ports) to the address and
-- port of the callee's SDP answer; a callee that sends nothing fails the call after --media-timeout.
local sip = require "sipstorm"

return {
  name = "call_rtp",
  role = "uac",
  params = { service = "service", talk = "5", play = "tone:1000", codec = "PCMU", digits = "123#" },
  peer = "answer_rtp.lua",
  steps = {
    { send = sip.invite{ to = "sip:${service}@${remote_ip}:${remote_port}", sdp = sip.sdp_offer() } },
    { recv = 100, optional = true },
    { recv = 180, optional = true },
    { recv = 200 },
    { send = sip.ack_2xx() },
    { rtp = { play = "${play}", codec = "${codec}", duration = "${talk}s", loop = true } },
    { pause = "${talk}s" },
    { dtmf = "${digits}" },
    { pause = "1s" },
    { rtp = "stop" },
    { send = sip.bye() },
    { recv = 200 },
  },
}
