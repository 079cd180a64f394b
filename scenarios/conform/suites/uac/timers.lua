-- The target is the UAC (RFC 3261 §17.1): sipstorm conform --role uac --listen HOST:PORT, and the
-- target calls that address once per case. Each case starts by waiting for its own call (an expect
-- for a request: the runner gives every new Call-ID to the next case waiting for one) and answers
-- with `reply` templates: ${echo:tag} copies Via, From, To (a To tag ${token}-dt added where it has none), Call-ID, CSeq.
-- UAC-001/002 wait out Timer B/F (32 s); all cases run side by side.
local c = require "conform"

local cases = {}
local function case(t) cases[#cases + 1] = t end

local function answer(code, reason, extra)
  return "SIP/2.0 " .. code .. " " .. reason .. "\n${echo:tag}\n" .. (extra or "") .. "Content-Length: 0\n\n"
end
local ok_2xx = "SIP/2.0 200 OK\n${echo:tag}\nContact: <sip:conform-uas@${local}>\n" ..
               "Content-Type: application/sdp\nContent-Length: ${len}\n\n" .. c.sdp

case {
  id = "UAC-001", title = "INVITE never answered", section = "§17.1.1.2", role = "uac",
  passes = "copies at 0.5, 1, 2, 4, 8, 16 s gaps (Timer A, no T2 cap), none after Timer B (32 s)",
  steps = {
    { name = "inv", expect = { request = "INVITE", within = 10000 }, setup = true },
    { retransmissions = { request = "INVITE", of = "inv",
                          intervals = { 500, 1000, 2000, 4000, 8000, 16000 } } },
    -- a UA that kept going would send again 32 s after the copy at 31.5 s
    { silence = { request = "INVITE", within = 34000 } },
  },
}

case {
  id = "UAC-001-1xx", title = "INVITE answered with 100 only", section = "§17.1.1.2", role = "uac",
  passes = "no copy of the INVITE after the 100 (5 s)",
  steps = {
    { name = "inv", expect = { request = "INVITE", within = 10000, reply = answer(100, "Trying") },
      setup = true },
    { silence = { request = "INVITE", within = 5000 } },
    { send = answer(486, "Busy Here"), cleanup = true },
  },
}

case {
  id = "UAC-002", title = "BYE never answered", section = "§17.1.2.2", role = "uac",
  passes = "copies at 0.5, 1, 2 s then every 4 s (T1 doubling capped at T2), none after Timer F (32 s)",
  steps = {
    { name = "inv", expect = { request = "INVITE", within = 10000, reply = ok_2xx }, setup = true },
    { expect = { request = "ACK", within = 5000 }, setup = true },
    { name = "bye", expect = { request = "BYE", within = 10000 }, setup = true },
    { retransmissions = { request = "BYE", of = "bye",
                          intervals = { 500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000 } } },
    -- the next copy, had it not given up, would come 4 s after the one at 31.5 s
    { silence = { request = "BYE", within = 6000 } },
    { send = "SIP/2.0 200 OK\n${echo:tag}\nContent-Length: 0\n\n", cleanup = true },
  },
}

case {
  id = "UAC-002-1xx", title = "BYE answered with 100 only", section = "§17.1.2.2", role = "uac",
  passes = "after the 100 the copies come every T2 (4 s): at 0.5, 4.5, 8.5 s",
  steps = {
    { name = "inv", expect = { request = "INVITE", within = 10000, reply = ok_2xx }, setup = true },
    { expect = { request = "ACK", within = 5000 }, setup = true },
    { name = "bye", expect = { request = "BYE", within = 10000, reply = answer(100, "Trying") },
      setup = true },
    { retransmissions = { request = "BYE", of = "bye", intervals = { 500, 4000, 4000 } } },
    { send = "SIP/2.0 200 OK\n${echo:tag}\nContent-Length: 0\n\n", cleanup = true },
  },
}

return cases
