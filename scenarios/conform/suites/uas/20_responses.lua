-- How responses are addressed and tagged (RFC 3261 §8.2.6, §18.2; RFC 3581), and the stray
-- requests a UAS answers with 481 (§12.2.2, §9.2).
local c = require "conform"

local cases = {}
local function case(t) cases[#cases + 1] = t end
local function options(extra)
  local t = { method = "OPTIONS", body = false }
  for k, v in pairs(extra or {}) do t[k] = v end
  return c.request(t)
end

case {
  id = "UAS-021", title = "top Via sent-by is a name", section = "§18.2.1", role = "uas",
  passes = "the response's top Via has received=<our source address>",
  steps = {
    { send = options({ via = "SIP/2.0/UDP conform.invalid:${local_port};branch=${branch}" }) },
    { expect = { code = "2xx", received = "${local_ip}" } },
  },
}

case {
  id = "UAS-022", title = "Via with rport", section = "RFC 3581 §4", role = "uas",
  passes = "rport=<our source port> and received=<our address>, sent back to that address and port",
  steps = {
    { send = options() },
    { expect = { code = "2xx", rport = "${local_port}", received = "${local_ip}", socket = "main" } },
  },
}

case {
  id = "UAS-023", title = "no rport; sent from another port than the sent-by", section = "§18.2.2", role = "uas",
  passes = "the response goes to the sent-by port, not the source port",
  steps = {
    { socket = "alt", send = options({ rport = false }) },
    { expect = { code = "2xx", socket = "main" } },
  },
}

case {
  id = "UAS-024", title = "INVITE: To tags of the responses", section = "§8.2.6.2", role = "uas",
  passes = "no tag on the 100; a tag on the 18x and the 2xx, the same in both",
  steps = {
    { send = c.request({ branch = "${branch:inv}" }), name = "inv" },
    { name = "ring", expect = { code = { 180, 181, 182, 183 }, to_tag = true, within = 3000 }, setup = true },
    { name = "ok", expect = { code = "2xx", to_tag = true, same_tag_as = "ring", within = 5000,
                              na = { "4xx", "5xx", "6xx" }, na_reason = "the target refuses the INVITE" } },
  },
  hangup = true,
}

case {
  id = "UAS-024-100", title = "INVITE: the 100 Trying", section = "§8.2.6.1", role = "uas",
  passes = "a 100 Trying without a To tag within 1 s",
  steps = {
    { send = c.request({}) },
    { expect = { code = 100, to_tag = false, within = 1000 } },
  },
  hangup = true,
}

case {
  id = "UAS-025", title = "OPTIONS: the echo rules", section = "§8.2.6.2", role = "uas",
  passes = "From, Call-ID, CSeq, the Via values in order and the To URI as sent; a To tag",
  steps = { { send = options() }, { expect = { echo = true, to_tag = true } } },
}

case {
  id = "UAS-025-invite", title = "INVITE: the echo rules on every response", section = "§8.2.6.2", role = "uas",
  passes = "the 18x and the 2xx both copy From, Call-ID, CSeq, Via and the To URI",
  steps = {
    { send = c.request({}) },
    { expect = { code = { 180, 181, 182, 183 }, echo = true, within = 3000 }, setup = true },
    { expect = { code = { "2xx", "4xx", "5xx", "6xx" }, echo = true, within = 5000 } },
  },
  hangup = true,
}

for _, v in ipairs({
  { "UAS-026", "BYE with an unknown Call-ID", { method = "BYE", to_tag = "nosuchtag", body = false } },
  { "UAS-026-info", "INFO with an unknown dialog", { method = "INFO", to_tag = "nosuchtag", body = false } },
  { "UAS-026-notag", "BYE without a To tag", { method = "BYE", body = false } },
}) do
  case {
    id = v[1], title = v[2], section = "§12.2.2", role = "uas",
    passes = "481 with the echo rules",
    steps = { { send = c.request(v[3]) }, { expect = { code = 481, echo = true } } },
  }
end

case {
  id = "UAS-032", title = "CANCEL matching no transaction", section = "§9.2", role = "uas",
  passes = "481",
  steps = { { send = c.cancel({ branch = "${branch}" }) }, { expect = { code = 481 } } },
}

case {
  id = "UAS-042", title = "OPTIONS retransmitted after its final", section = "§17.2.2", role = "uas",
  passes = "the same final again, with the same To tag",
  steps = {
    { name = "o", send = options() },
    { name = "first", expect = { code = "2xx" } },
    { resend = "o" },
    { expect = { code = "2xx", same_tag_as = "first" } },
  },
}

case {
  id = "UAS-043", title = "INVITE: the first 1xx within 200 ms", section = "§17.2.1", role = "uas",
  passes = "a provisional response within 200 ms of the INVITE",
  steps = {
    { send = c.request({}) },
    { expect = { code = "1xx", within = 200 } },
  },
  hangup = true,
}

case {
  id = "UAS-043-options", title = "no 1xx to a non-INVITE", section = "§17.2.1", role = "uas",
  passes = "the OPTIONS gets a final response and no provisional one",
  steps = {
    { name = "o", send = options() },
    { silence = { code = "1xx", of = "o", within = 1000 } },
  },
}

return cases
