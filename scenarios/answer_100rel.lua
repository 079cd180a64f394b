-- answer_100rel.lua: answers calls with a reliable 183 (UAS, RFC 3262), takes its PRACK and an
-- early UPDATE (RFC 3311), then answers the INVITE and handles INFO until the BYE.
-- Counterpart of call_100rel.lua.
--
--   INVITE -> 100 -> 183 (Require: 100rel, RSeq: 1) -> PRACK -> 200 -> UPDATE -> 200
--   -> 200 (INVITE) -> ACK -> INFO -> 200 -> BYE -> 200
--
-- Run:
--   sipstorm serve scenarios/answer_100rel.lua --listen 0.0.0.0:5060
local sip = require "sipstorm"

return {
  name = "answer_100rel",
  role = "uas",
  steps = {
    { recv = "INVITE" },
    { send = sip.response(100, "Trying") },
    { send = sip.response(183, "Session Progress", { sdp = sip.sdp_answer(), headers = { "Require: 100rel", "RSeq: 1" } }) },
    { recv = "PRACK" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
    { recv = "UPDATE" },
    { send = sip.response(200, "OK", { in_dialog = true, sdp = sip.sdp_answer() }) },
    -- The INVITE's own final answer: its Via and CSeq, not the UPDATE's.
    { send = sip.response(200, "OK", { answers = "INVITE", sdp = sip.sdp_answer() }) },
    { recv = "ACK" },
    { recv = "INFO" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
    { recv = "BYE" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
  },
}
