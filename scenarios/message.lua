-- message.lua: one instant message (MESSAGE, RFC 3428) with a text body, answered with 2xx.
--
--   MESSAGE (text/plain) -> 2xx
--
-- Run:
--   sipstorm run scenarios/message.lua --target 192.0.2.10:5060 --rate 200 --set to=bob
--   (without --target the built-in UAS is answer_message.lua)
--
-- Parameters (--set NAME=VALUE):
--   to    user part of the recipient            default "bob"
--   text  the message                            default "hello from sipstorm"
local sip = require "sipstorm"

return {
  name = "message",
  role = "uac",
  peer = "answer_message.lua",
  params = { to = "bob", text = "hello from sipstorm" },
  steps = {
    { send = sip.initial("MESSAGE", { to = "sip:${to}@${remote_ip}:${remote_port}", contact = false,
                                      body = "${text} (message ${call_number})", content_type = "text/plain" }) },
    { recv = "2xx" },
  },
}
