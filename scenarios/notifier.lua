-- notifier.lua: the notifier of a subscription (UAS, RFC 6665): accepts a SUBSCRIBE, sends a
-- NOTIFY with the state at once, and again for each refresh; the SUBSCRIBE with Expires: 0 gets a
-- final NOTIFY saying terminated. Counterpart of subscribe_notify.lua.
--
--   SUBSCRIBE -> 200 -> NOTIFY (active) -> 200 -> { SUBSCRIBE -> 200 -> NOTIFY -> 200 }*
--   until a SUBSCRIBE with Expires: 0 -> 200 -> NOTIFY (terminated) -> 200
--
-- Run:
--   sipstorm serve scenarios/notifier.lua --listen 0.0.0.0:5060
local sip = require "sipstorm"

local pidf = [[<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${local_uri}">
<tuple id="t1"><status><basic>open</basic></status></tuple>
</presence>]]

local function notify(state)
  return sip.request("NOTIFY", { headers = { "${last_Event}", "Subscription-State: " .. state },
                                 body = pidf, content_type = "application/pidf+xml" })
end

return {
  name = "notifier",
  role = "uas",
  steps = {
    { recv = "SUBSCRIBE" },
    { send = sip.response(200, "OK", { headers = { "${last_Expires}" } }) },
    { send = notify("active;expires=600") },
    { recv = 200 },

    { label = "subscribed", recv = "SUBSCRIBE", capture = { expires = "Expires" } },
    { send = sip.response(200, "OK", { in_dialog = true, headers = { "${last_Expires}" } }) },
    { jump = "unsubscribed", when = { var = "expires", equals = "0" } },
    { send = notify("active;expires=600") },
    { recv = 200, next = "subscribed" },

    { label = "unsubscribed", send = notify("terminated;reason=timeout") },
    { recv = 200 },
  },
}
