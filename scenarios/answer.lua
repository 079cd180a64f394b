-- answer.lua: answers calls as a UAS, its messages built with the lua/sipstorm.lua helpers.
-- (scenarios/basic_call.lua is the UAC side, written verbatim SIPp-style.)
--
--   INVITE -> 100 -> 180 -> ring for `ring` seconds -> 200 (SDP answer) -> ACK -> BYE -> 200
--
-- Run:
--   sipstorm serve scenarios/answer.lua --listen 0.0.0.0:5060 --set ring=2
--
-- Parameters (--set NAME=VALUE):
--   ring  seconds between the 180 and the 200 (fractions allowed)  default 0
--
-- Responses copy Via, From, To, Call-ID and CSeq from the request they answer (${last_Via} ...);
-- the 180 and 200 add our To tag, Record-Route and Contact; the 200 for the BYE answers inside the
-- dialog, so its To already has our tag.
local sip = require "sipstorm"

return {
  name = "answer",
  role = "uas",
  params = { ring = "0" },
  steps = {
    { recv = "INVITE" },
    { send = sip.response(100, "Trying") },
    { send = sip.response(180, "Ringing") },
    { pause = "${ring}s" },
    { send = sip.response(200, "OK", { sdp = sip.sdp_answer() }) },
    { recv = "ACK" },
    { recv = "BYE" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
  },
}
