-- call_hold.lua: a call put on hold and resumed (UAC), with a DTMF digit sent by INFO.
-- Hold is a re-INVITE whose SDP says sendonly (RFC 3264 §8.4); resume is one that says sendrecv.
--
--   INVITE -> 200 -> ACK -> wait `talk` s -> re-INVITE (sendonly) -> 200 -> ACK
--   -> wait `hold` s -> re-INVITE (sendrecv) -> 200 -> ACK -> INFO (dtmf-relay) -> 200
--   -> BYE -> 200
--
-- Run:
--   sipstorm run scenarios/call_hold.lua --target 192.0.2.10:5060 --rate 50 --set hold=5
--   (without --target the built-in UAS is answer_dialog.lua, which answers re-INVITE, INFO, UPDATE)
--
-- Parameters (--set NAME=VALUE):
--   service  user part of the Request-URI and To   default "service"
--   talk     seconds before the hold                default 0
--   hold     seconds on hold                        default 0
local sip = require "sipstorm"

local function reinvite(direction)
  return sip.request("INVITE", { body = sip.sdp_offer{ direction = direction }, content_type = "application/sdp" })
end

return {
  name = "call_hold",
  role = "uac",
  peer = "answer_dialog.lua",
  params = { service = "service", talk = "0", hold = "0" },
  steps = {
    { send = sip.invite{ to = "sip:${service}@${remote_ip}:${remote_port}", sdp = sip.sdp_offer() } },
    { recv = 100, optional = true },
    { recv = "180-183", optional = true },
    { recv = 200, capture = sip.SDP_CAPTURE },
    { send = sip.ack_2xx() },
    { pause = "${talk}s" },

    { send = reinvite("sendonly") },
    { recv = 100, optional = true },
    { recv = 200 },
    { send = sip.ack_2xx() },
    { pause = "${hold}s" },

    { send = reinvite("sendrecv") },
    { recv = 100, optional = true },
    { recv = 200 },
    { send = sip.ack_2xx() },

    { send = sip.request("INFO", { body = "Signal=5\nDuration=160", content_type = "application/dtmf-relay" }) },
    { recv = 200 },
    { send = sip.bye() },
    { recv = 200 },
  },
}
