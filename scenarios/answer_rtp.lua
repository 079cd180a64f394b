-- answer_rtp.lua: answers calls with media as a UAS: it measures the caller's stream (loss, jitter,
-- MOS, the DTMF digits it carries) and echoes every packet back to where it came from, as SIPp's
-- -rtp_echo does, so the caller can measure the round trip.
--
--   INVITE (SDP offer) -> 100 -> 180 -> 200 (SDP answer) -> echo RTP -> ACK -> BYE -> 200
--
-- Run:
--   sipstorm serve scenarios/answer_rtp.lua --listen 0.0.0.0:5060
--   (the peer of call_rtp.lua; SIPp's `sipp -sn uac_pcap` works against it too)
--
-- Its stream listens on ${media_port} from --rtp-ports and sends to the caller's SDP address.
local sip = require "sipstorm"

return {
  name = "answer_rtp",
  role = "uas",
  steps = {
    { recv = "INVITE" },
    { send = sip.response(100, "Trying") },
    { send = sip.response(180, "Ringing") },
    { send = sip.response(200, "OK", { sdp = sip.sdp_answer() }) },
    { rtp = { echo = true } },
    { recv = "ACK" },
    { recv = "BYE" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
  },
}
