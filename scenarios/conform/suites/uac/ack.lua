-- The ACKs a UAC sends (RFC 3261 §17.1.1.3, §13.2.2.4): the mirror image of the UAS rows. These
-- extend the catalogue (UAC-003..).
local c = require "conform"

local cases = {}
local function case(t) cases[#cases + 1] = t end

case {
  id = "UAC-003", title = "ACK for a 486", section = "§17.1.1.3", role = "uac",
  passes = "the ACK carries the INVITE's branch and the 486's To tag",
  steps = {
    { name = "inv", expect = { request = "INVITE", within = 10000,
                               reply = "SIP/2.0 486 Busy Here\n${echo:tag}\nContent-Length: 0\n\n" },
      setup = true },
    { expect = { request = "ACK", within = 5000,
                 headers = { { "Via", contains = "branch=${branch_of:inv}" },
                             { "To", contains = "tag=${token}-dt" } } } },
  },
}

case {
  id = "UAC-004", title = "ACK for a 200", section = "§13.2.2.4", role = "uac",
  passes = "the ACK goes to the 200's Contact with a branch of its own and the 200's To tag",
  steps = {
    { name = "inv", expect = { request = "INVITE", within = 10000,
                               reply = "SIP/2.0 200 OK\n${echo:tag}\nContact: <sip:conform-uas@${local}>\n" ..
                                       "Content-Type: application/sdp\nContent-Length: ${len}\n\n" .. c.sdp },
      setup = true },
    { expect = { request = "ACK", within = 5000, request_uri = "sip:conform-uas@${local}",
                 headers = { { "Via", excludes = "branch=${branch_of:inv}" },
                             { "To", contains = "tag=${token}-dt" } } } },
    { expect = { request = "BYE", within = 10000,
                 reply = "SIP/2.0 200 OK\n${echo:tag}\nContent-Length: 0\n\n" } },
  },
}

return cases
