-- answer_dialog.lua: answers calls and whatever comes inside them (UAS): re-INVITEs (hold and
-- resume), INFO, UPDATE and MESSAGE, until the BYE. Each in-dialog request branches to its handler
-- and back, so the order of the caller's requests does not matter. Counterpart of call_hold.lua.
--
--   INVITE -> 100 -> 180 -> 200 -> ACK -> { re-INVITE -> 200 -> ACK | INFO -> 200 | UPDATE -> 200
--   | MESSAGE -> 200 }* -> BYE -> 200
--
-- Run:
--   sipstorm serve scenarios/answer_dialog.lua --listen 0.0.0.0:5060
local sip = require "sipstorm"

return {
  name = "answer_dialog",
  role = "uas",
  steps = {
    { recv = "INVITE" },
    { send = sip.response(100, "Trying") },
    { send = sip.response(180, "Ringing") },
    { send = sip.response(200, "OK", { sdp = sip.sdp_answer() }) },
    { recv = "ACK" },

    -- In the dialog: the first recv that matches wins; BYE ends the call.
    { label = "dialog", recv = "INVITE", optional = true, next = "reinvite" },
    { recv = { "INFO", "MESSAGE" }, optional = true, next = "ok" },
    { recv = "UPDATE", optional = true, next = "update" },
    { recv = "BYE" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
    { jump = "done" },

    { label = "reinvite", send = sip.response(200, "OK", { in_dialog = true, sdp = sip.sdp_answer() }) },
    { recv = "ACK", next = "dialog" },
    { label = "ok", send = sip.response(200, "OK", { in_dialog = true }), next = "dialog" },
    { label = "update", send = sip.response(200, "OK", { in_dialog = true, sdp = sip.sdp_answer() }), next = "dialog" },
    { label = "done" },
  },
}
