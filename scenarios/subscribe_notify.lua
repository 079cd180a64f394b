-- subscribe_notify.lua: a subscription (UAC, RFC 6665): SUBSCRIBE to an event package, answer the
-- NOTIFYs, refresh the subscription, then end it (Expires: 0).
--
--   SUBSCRIBE -> 2xx -> NOTIFY -> 200 -> wait `refresh` s -> SUBSCRIBE (refresh) -> 2xx
--   -> NOTIFY -> 200 -> SUBSCRIBE Expires: 0 -> 2xx -> NOTIFY (terminated) -> 200
--
-- Run:
--   sipstorm run scenarios/subscribe_notify.lua --target 192.0.2.10:5060 --rate 50 --set event=dialog
--   (without --target the built-in UAS is notifier.lua)
--
-- Parameters (--set NAME=VALUE):
--   resource  user part of the resource subscribed to   default "alice"
--   event     the event package                          default "presence"
--   expires   Expires asked for, seconds                 default 600
--   refresh   seconds before the refresh                 default 0
local sip = require "sipstorm"

local function subscribe(expires)
  return sip.request("SUBSCRIBE", { headers = { "Event: ${event}", "Expires: " .. expires, "Accept: application/pidf+xml" } })
end

return {
  name = "subscribe_notify",
  role = "uac",
  peer = "notifier.lua",
  params = { resource = "alice", event = "presence", expires = "600", refresh = "0" },
  steps = {
    { send = sip.initial("SUBSCRIBE", { to = "sip:${resource}@${remote_ip}:${remote_port}",
                                        headers = { "Event: ${event}", "Expires: ${expires}", "Accept: application/pidf+xml" } }) },
    { recv = "2xx" },
    { recv = "NOTIFY", capture = { state = "Subscription-State" } },
    { send = sip.response(200, "OK", { in_dialog = true }) },
    { pause = "${refresh}s" },

    { send = subscribe("${expires}") },
    { recv = "2xx" },
    { recv = "NOTIFY" },
    { send = sip.response(200, "OK", { in_dialog = true }) },

    { send = subscribe("0") },
    { recv = "2xx" },
    { recv = "NOTIFY", capture = { state = "Subscription-State" } },
    { send = sip.response(200, "OK", { in_dialog = true }) },
    { jump = "done", when = { var = "state", matches = "^terminated" } },
    { fail = "the last NOTIFY did not say the subscription terminated" },
    { label = "done" },
  },
}
