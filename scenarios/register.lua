-- register.lua: registers a user, answering the registrar's digest challenge, re-registers before
-- the registration expires, then unregisters. The rate (--rate) is registrations per second.
--
--   REGISTER -> (401/407 -> REGISTER with credentials) -> 200
--   -> wait `refresh` s -> REGISTER (refresh, same Call-ID, next CSeq) -> 200
--   -> wait `hold` s -> REGISTER Expires: 0 (unregister) -> 200
--
-- Run:
--   sipstorm run scenarios/register.lua --target 192.0.2.10:5060 --rate 100 --calls 1000 \
--       --set domain=pbx.example.com --auth alice:secret
--   Many users from a CSV (SIPp format; first line SEQUENTIAL, then user;password lines):
--   sipstorm run scenarios/register.lua --target ... --inf users.csv \
--       --set user='${field0}' --set password='${field1}'
--   (without --target it registers with the built-in toy registrar, registrar.lua)
--
-- Parameters (--set NAME=VALUE):
--   user      user part of the address of record           default "user0"
--   password  its password (or --auth user:password)        default "secret"
--   domain    the registrar's domain (Request-URI, To, From) default "sipstorm.test"
--   expires   Expires asked for, seconds                     default 3600
--   refresh   seconds before the refresh REGISTER             default 0
--   hold      seconds between the refresh and the unregister  default 0
--
-- A 401/407 branches back to the REGISTER, which then carries ${auth}: credentials for the challenge
-- (MD5 or SHA-256, qop=auth with nonce counts). A second challenge right after our credentials fails
-- the registration ("credentials rejected") unless it says stale=true.
local sip = require "sipstorm"

local function register(expires)
  return sip.initial("REGISTER", {
    uri = "sip:${domain}",
    to = "sip:${user}@${domain}",
    from = "sip:${user}@${domain}",
    contact = false,
    auth = true,
    headers = { "Contact: <sip:${user}@${local_ip}:${local_port};transport=${transport}>", "Expires: " .. expires },
  })
end

return {
  name = "register",
  role = "uac",
  peer = "registrar.lua",
  params = { user = "user0", password = "secret", domain = "sipstorm.test", expires = "3600", refresh = "0", hold = "0" },
  auth = { username = "${user}", password = "${password}" },
  steps = {
    { label = "register", send = register("${expires}") },
    { recv = { 401, 407 }, optional = true, next = "register" },
    { recv = 200 },
    { pause = "${refresh}s" },

    { label = "refresh", send = register("${expires}") },
    { recv = { 401, 407 }, optional = true, next = "refresh" },
    { recv = 200 },
    { pause = "${hold}s" },

    { label = "unregister", send = register("0") },
    { recv = { 401, 407 }, optional = true, next = "unregister" },
    { recv = 200 },
  },
}
