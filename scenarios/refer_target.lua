-- refer_target.lua: the transferee of a blind transfer (UAS, RFC 3515): answers the call, accepts
-- a REFER with 202, reports the (simulated) outcome in a NOTIFY with a message/sipfrag body, then
-- waits for the BYE. Counterpart of transfer_refer.lua.
--
--   INVITE -> 200 -> ACK -> REFER -> 202 -> NOTIFY (SIP/2.0 200 OK) -> 200 -> BYE -> 200
--
-- Run:
--   sipstorm serve scenarios/refer_target.lua --listen 0.0.0.0:5060
--
-- Parameters (--set NAME=VALUE):
--   outcome  the status line reported in the NOTIFY  default "200 OK"
local sip = require "sipstorm"

return {
  name = "refer_target",
  role = "uas",
  params = { outcome = "200 OK" },
  steps = {
    { recv = "INVITE" },
    { send = sip.response(100, "Trying") },
    { send = sip.response(200, "OK", { sdp = sip.sdp_answer() }) },
    { recv = "ACK" },
    { recv = "REFER" },
    { send = sip.response(202, "Accepted", { in_dialog = true }) },
    { send = sip.request("NOTIFY", { headers = { "Event: refer", "Subscription-State: terminated;reason=noresource" },
                                     body = "SIP/2.0 ${outcome}", content_type = "message/sipfrag;version=2.0" }) },
    { recv = 200 },
    { recv = "BYE" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
  },
}
