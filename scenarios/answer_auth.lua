-- answer_auth.lua: answers calls only with valid credentials (UAS): challenges the INVITE with
-- 407 (a nonce per call), waits for the INVITE again and checks its Proxy-Authorization against
-- `user`/`password` (a call with wrong credentials fails: "wrong password in the credentials").
-- Counterpart of call_auth.lua.
--
--   INVITE -> 407 -> ACK -> INVITE (checked) -> 100 -> 180 -> 200 -> ACK -> BYE -> 200
--
-- Run:
--   sipstorm serve scenarios/answer_auth.lua --listen 0.0.0.0:5060 --auth alice:secret
--
-- Parameters (--set NAME=VALUE):
--   user, password  the credentials accepted (or --auth)   default "alice", "secret"
--   realm           the realm of the challenge             default "sipstorm"
--   algorithm       MD5 or SHA-256                         default "MD5"
local sip = require "sipstorm"

return {
  name = "answer_auth",
  role = "uas",
  params = { user = "alice", password = "secret", realm = "sipstorm", algorithm = "MD5" },
  auth = { username = "${user}", password = "${password}", realm = "${realm}", algorithm = "${algorithm}" },
  steps = {
    { recv = "INVITE" },
    { send = sip.response(407, "Proxy Authentication Required", { challenge = true }) },
    { recv = "ACK" },
    { recv = "INVITE", check_auth = true },
    { send = sip.response(100, "Trying") },
    { send = sip.response(180, "Ringing") },
    { send = sip.response(200, "OK", { sdp = sip.sdp_answer() }) },
    { recv = "ACK" },
    { recv = "BYE" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
  },
}
