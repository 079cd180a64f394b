-- options_ping.lua: OPTIONS to the target, the keep-alive and capacity probe of SIP (RFC 3261 §11).
-- A call is one OPTIONS and its 200; run it at a rate to see how fast the target answers, or with
-- --rate 1 as a liveness check in CI. By default it asks the server itself (OPTIONS sip:HOST:PORT),
-- which a proxy, registrar or SBC answers; --set service=NAME asks a user there instead.
--
--   OPTIONS -> 2xx
--
-- Run:
--   sipstorm run scenarios/options_ping.lua --target 192.0.2.10:5060 --rate 1000 --duration 30s
--   (without --target it asks the built-in UAS, which answers OPTIONS outside a call with 200)
--
-- Parameters (--set NAME=VALUE):
--   service  user part of the Request-URI  default "" (none: the server itself)
local sip = require "sipstorm"

return {
  name = "options_ping",
  role = "uac",
  params = { service = "" },
  steps = {
    { send = sip.initial("OPTIONS", { to = "sip:${service}${service:+@}${remote_ip}:${remote_port}", headers = { "Accept: application/sdp" } }) },
    { recv = "2xx" },
  },
}
