-- answer_message.lua: accepts instant messages (UAS): MESSAGE -> 200 OK. Counterpart of message.lua.
--
-- Run:
--   sipstorm serve scenarios/answer_message.lua --listen 0.0.0.0:5060
local sip = require "sipstorm"

return {
  name = "answer_message",
  role = "uas",
  steps = {
    { recv = "MESSAGE" },
    { send = sip.response(200, "OK", { dialog = false }) },
  },
}
