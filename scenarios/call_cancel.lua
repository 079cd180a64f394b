-- call_cancel.lua: a call given up while ringing (UAC): CANCEL after `ring` seconds of 180.
-- The CANCEL is its own transaction (200), the INVITE's stays and ends with 487, which the
-- transaction ACKs (RFC 3261 §9.1, §17.1.1.3).
--
--   INVITE -> 100 -> 180 -> wait `ring` s -> CANCEL -> 200 (CANCEL) -> 487 (INVITE) -> ACK
--
-- Run:
--   sipstorm run scenarios/call_cancel.lua --target 192.0.2.10:5060 --rate 100 --set ring=2
--   (without --target the built-in UAS is answer_ring.lua, which rings for 30 s unless cancelled)
--
-- Parameters (--set NAME=VALUE):
--   service  user part of the Request-URI and To    default "service"
--   ring     seconds of ringing before the CANCEL   default 0.2
local sip = require "sipstorm"

return {
  name = "call_cancel",
  role = "uac",
  peer = "answer_ring.lua",
  params = { service = "service", ring = "0.2" },
  steps = {
    { send = sip.invite{ to = "sip:${service}@${remote_ip}:${remote_port}", sdp = sip.sdp_offer() } },
    { recv = 100, optional = true },
    { recv = "180-183" },
    { pause = "${ring}s" },
    { send = sip.cancel() },
    { recv = 200 },
    { recv = 487 },
  },
}
