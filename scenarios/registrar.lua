-- registrar.lua: a toy registrar (UAS): answers every REGISTER with 200 OK and the bindings it was
-- given (the request's Contact and Expires). It keeps nothing; it is the counterpart of register.lua
-- for load tests of the generator itself.
--
--   REGISTER -> 200 (Contact, Expires copied)
--
-- Run:
--   sipstorm serve scenarios/registrar.lua --listen 0.0.0.0:5060
local sip = require "sipstorm"

return {
  name = "registrar",
  role = "uas",
  steps = {
    { recv = "REGISTER" },
    { send = sip.response(200, "OK", { dialog = false, headers = { "${last_Contact}", "${last_Expires}" } }) },
  },
}
