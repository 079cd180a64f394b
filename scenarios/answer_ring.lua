-- answer_ring.lua: rings, and answers after `ring` seconds unless the caller cancels first (UAS).
-- Counterpart of call_cancel.lua; also answers a basic call that waits long enough.
--
--   INVITE -> 100 -> 180 -> CANCEL -> 200 (CANCEL) -> 487 (INVITE) -> ACK
--                        -> (no CANCEL within `ring` s) 200 -> ACK -> BYE -> 200
--
-- Run:
--   sipstorm serve scenarios/answer_ring.lua --listen 0.0.0.0:5060 --set ring=30
--
-- Parameters (--set NAME=VALUE):
--   ring  seconds of ringing before answering  default 30
local sip = require "sipstorm"

return {
  name = "answer_ring",
  role = "uas",
  params = { ring = "30" },
  steps = {
    { recv = "INVITE" },
    { send = sip.response(100, "Trying") },
    { send = sip.response(180, "Ringing") },
    -- A CANCEL ends the ringing; the timeout answers the call instead.
    { recv = "CANCEL", timeout = "${ring}s", on_timeout = "answer" },
    { send = sip.response(200, "OK", { dialog = false }) },
    { send = sip.response(487, "Request Terminated", { answers = "INVITE" }) },
    { recv = "ACK", next = "done" },

    { label = "answer", send = sip.response(200, "OK", { answers = "INVITE", sdp = sip.sdp_answer() }) },
    { recv = "ACK" },
    { recv = "BYE" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
    { label = "done" },
  },
}
