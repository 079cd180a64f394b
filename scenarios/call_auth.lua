-- call_auth.lua: a call that must authenticate (UAC): the first INVITE is challenged (407 from a
-- proxy, or 401 from the callee), the transaction ACKs the challenge, and the INVITE goes again
-- with credentials; then the basic call.
--
--   INVITE -> 407 -> ACK -> INVITE (Proxy-Authorization) -> 100 -> 180 -> 200 -> ACK
--   -> hold for `hold` s -> BYE -> 200
--
-- Run:
--   sipstorm run scenarios/call_auth.lua --target proxy.example.com:5060 --rate 50 --auth alice:secret
--   (without --target the built-in UAS is answer_auth.lua, which challenges with the same defaults)
--
-- Parameters (--set NAME=VALUE):
--   service   user part of the Request-URI and To          default "service"
--   user      our user (From, and the digest username)     default "alice"
--   password  its password (or --auth user:password)        default "secret"
--   domain    domain of our From                            default "sipstorm.test"
--   hold      seconds between the ACK and the BYE           default 0
local sip = require "sipstorm"

return {
  name = "call_auth",
  role = "uac",
  peer = "answer_auth.lua",
  params = { service = "service", user = "alice", password = "secret", domain = "sipstorm.test", hold = "0" },
  auth = { username = "${user}", password = "${password}" },
  steps = {
    { label = "invite",
      send = sip.invite{ to = "sip:${service}@${remote_ip}:${remote_port}", from = "sip:${user}@${domain}",
                         sdp = sip.sdp_offer(), auth = true } },
    { recv = 100, optional = true },
    { recv = { 401, 407 }, optional = true, next = "invite" },
    { recv = "180-183", optional = true },
    { recv = 200 },
    { send = sip.ack_2xx() },
    { pause = "${hold}s" },
    { send = sip.bye() },
    { recv = 200 },
  },
}
