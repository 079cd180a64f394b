-- call_100rel.lua: a call with reliable provisional responses (UAC, RFC 3262) and an early-dialog
-- UPDATE (RFC 3311): the 183 is acknowledged with PRACK (RAck from its RSeq and the INVITE's CSeq),
-- the session is updated before the answer, and a DTMF INFO is sent once the call is up.
--
--   INVITE (Require: 100rel) -> 183 (RSeq) -> PRACK -> 200 -> UPDATE (SDP) -> 200
--   -> 200 (INVITE) -> ACK -> INFO -> 200 -> BYE -> 200
--
-- Run:
--   sipstorm run scenarios/call_100rel.lua --target 192.0.2.10:5060 --rate 50
--   (without --target the built-in UAS is answer_100rel.lua)
--
-- Parameters (--set NAME=VALUE):
--   service  user part of the Request-URI and To  default "service"
local sip = require "sipstorm"

return {
  name = "call_100rel",
  role = "uac",
  peer = "answer_100rel.lua",
  params = { service = "service" },
  steps = {
    { send = sip.invite{ to = "sip:${service}@${remote_ip}:${remote_port}", sdp = sip.sdp_offer(),
                         headers = { "Supported: 100rel", "Require: 100rel" } } },
    { recv = 100, optional = true },
    { recv = 183, capture = { rseq = { header = "RSeq", required = true },
                              inv_cseq = { header = "CSeq", regex = "^([0-9]+)", required = true } } },
    { send = sip.request("PRACK", { headers = { "RAck: ${rseq} ${inv_cseq} INVITE" } }) },
    { recv = 200 },
    { send = sip.request("UPDATE", { body = sip.sdp_offer(), content_type = "application/sdp" }) },
    { recv = 200 },
    { recv = 200 },
    { send = sip.ack_2xx() },
    { send = sip.request("INFO", { body = "Signal=1\nDuration=160", content_type = "application/dtmf-relay" }) },
    { recv = 200 },
    { send = sip.bye() },
    { recv = 200 },
  },
}
