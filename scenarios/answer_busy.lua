-- answer_busy.lua: rejects every call with 486 Busy Here (UAS), so a caller's failure handling can
-- be tested: a UAC running basic_call.lua against it ends every call as failed with 486 (4xx).
--
--   INVITE -> 100 -> 486 -> ACK
--
-- Run:
--   sipstorm serve scenarios/answer_busy.lua --listen 0.0.0.0:5060
local sip = require "sipstorm"

return {
  name = "answer_busy",
  role = "uas",
  steps = {
    { recv = "INVITE" },
    { send = sip.response(100, "Trying") },
    { send = sip.response(486, "Busy Here") },
    { recv = "ACK" },
  },
}
