-- transfer_refer.lua: a blind transfer (UAC, RFC 3515): in a call, REFER the other party to
-- `transfer_to`; it accepts (202) and reports the outcome in a NOTIFY with a message/sipfrag body,
-- which we answer; then we hang up.
--
--   INVITE -> 200 -> ACK -> REFER (Refer-To) -> 202 -> NOTIFY (sipfrag) -> 200 -> BYE -> 200
--
-- Run:
--   sipstorm run scenarios/transfer_refer.lua --target 192.0.2.10:5060 --rate 20 --set transfer_to=2000
--   (without --target the built-in UAS is refer_target.lua)
--
-- Parameters (--set NAME=VALUE):
--   service      user part of the Request-URI and To   default "service"
--   transfer_to  user the call is transferred to       default "transfer"
local sip = require "sipstorm"

return {
  name = "transfer_refer",
  role = "uac",
  peer = "refer_target.lua",
  params = { service = "service", transfer_to = "transfer" },
  steps = {
    { send = sip.invite{ to = "sip:${service}@${remote_ip}:${remote_port}", sdp = sip.sdp_offer() } },
    { recv = 100, optional = true },
    { recv = "180-183", optional = true },
    { recv = 200 },
    { send = sip.ack_2xx() },
    { send = sip.request("REFER", { headers = { "Refer-To: <sip:${transfer_to}@${remote_ip}:${remote_port}>",
                                                "Referred-By: <sip:sipstorm@${local_ip}:${local_port}>" } }) },
    { recv = 202 },
    { recv = "NOTIFY", capture = { sipfrag = { body = true, regex = "^SIP/2.0 ([0-9]+)", required = true } } },
    { send = sip.response(200, "OK", { in_dialog = true }) },
    -- The transfer's outcome is in the NOTIFY's body: anything but a 2xx fails the call.
    { jump = "failed", when = { var = "sipfrag", matches = "^[^2]" } },
    { send = sip.bye() },
    { recv = 200, next = "done" },
    { label = "failed", fail = "the transfer target reported a failure in its NOTIFY" },
    { label = "done" },
  },
}
