-- INVITE server transactions and dialogs: CANCEL (§9.2), retransmissions (§17.2.1, §13.3.1.4,
-- RFC 6026), merged requests (§8.2.2.2), dialog rules (§12.2.2, §14.2, §12.1.1). They need a target
-- that rings for a while before it answers (e.g. `sipstorm serve scenarios/answer.lua --set ring=2`).
local c = require "conform"

local cases = {}
local function case(t) cases[#cases + 1] = t end
local ringing = { code = { 180, 181, 182, 183 }, within = 3000 }
local function ring(name) return { name = name or "ring", expect = ringing, setup = true } end
local invite = { send = c.request({ branch = "${branch:inv}" }), name = "inv" }
local function ok(name, extra)
  local e = { code = "2xx", of = "inv", within = 6000, na = { "4xx", "5xx", "6xx" },
              na_reason = "the target refuses the INVITE (run the case against one that answers)" }
  for k, v in pairs(extra or {}) do e[k] = v end
  return { name = name or "ok", expect = e }
end

case {
  id = "UAS-031", title = "CANCEL of a ringing INVITE", section = "§9.2", role = "uas",
  passes = "200 to the CANCEL, then 487 to the INVITE",
  steps = {
    invite, ring(),
    { send = c.cancel(), name = "cancel" },
    { expect = { code = 200, of = "cancel", to_tag = true } },
    { name = "487", expect = { code = 487, of = "inv", to_tag = true, same_tag_as = "ring" } },
    { send = c.ack_failure({ to_tag = "${to_tag:487}" }), cleanup = true },
  },
  hangup = true,
}

case {
  id = "UAS-007", title = "CANCEL carrying Require: foo", section = "§8.2.2.3", role = "uas",
  passes = "the Require ignored: 200 to the CANCEL, 487 to the INVITE",
  steps = {
    invite, ring(),
    { send = c.cancel({ headers = { "Require: foo", "Proxy-Require: foo" } }), name = "cancel" },
    { expect = { code = 200, of = "cancel" } },
    { name = "487", expect = { code = 487, of = "inv" } },
    { send = c.ack_failure({ to_tag = "${to_tag:487}" }), cleanup = true },
  },
  hangup = true,
}

case {
  id = "UAS-033", title = "CANCEL with another branch", section = "§9.2", role = "uas",
  passes = "481 to the CANCEL; the INVITE goes on to its 2xx",
  steps = {
    invite, ring(),
    { send = c.cancel({ branch = "${branch:other}" }), name = "cancel" },
    { expect = { code = 481, of = "cancel" } },
    ok(),
  },
  hangup = true,
}

case {
  id = "UAS-034", title = "CANCEL after the final response", section = "§9.2", role = "uas",
  passes = "200 to the CANCEL; the call goes on (the BYE gets 200)",
  steps = {
    invite, ok(),
    { send = c.ack_2xx() },
    { send = c.cancel(), name = "cancel" },
    { expect = { code = 200, of = "cancel" } },
    { send = c.bye(), name = "bye" },
    { expect = { code = 200, of = "bye" } },
  },
}

case {
  id = "UAS-035", title = "CANCEL sent twice", section = "§17.2.2", role = "uas",
  passes = "the same 200 to the second CANCEL; no second 487",
  steps = {
    invite, ring(),
    { send = c.cancel(), name = "cancel" },
    { name = "c1", expect = { code = 200, of = "cancel" } },
    { name = "487", expect = { code = 487, of = "inv" } },
    { send = c.ack_failure({ to_tag = "${to_tag:487}" }) },
    { resend = "cancel" },
    { expect = { code = 200, of = "cancel", same_tag_as = "c1" } },
    { silence = { code = 487, of = "inv", within = 1000 } },
  },
  hangup = true,
}

case {
  id = "UAS-036", title = "INVITE retransmitted while ringing", section = "§17.2.1", role = "uas",
  passes = "the latest provisional again, with the same To tag; one 2xx",
  steps = {
    invite, ring(),
    { resend = "inv" },
    { expect = { code = { 180, 181, 182, 183 }, of = "inv", same_tag_as = "ring", within = 1000 } },
    ok("ok", { same_tag_as = "ring" }),
  },
  hangup = true,
}

case {
  id = "UAS-037", title = "INVITE retransmitted after the 2xx", section = "RFC 6026 §7.1", role = "uas",
  passes = "absorbed: no 1xx after the 2xx, at most the same 2xx again, before and after the ACK",
  steps = {
    invite, ok(),
    { resend = "inv" },
    { silence = { code = "1xx", of = "inv", within = 700 } },
    { send = c.ack_2xx() },
    { resend = "inv" },
    { silence = { code = "1xx", of = "inv", within = 700 } },
    { send = c.bye(), cleanup = true },
  },
}

case {
  id = "UAS-038", title = "2xx retransmitted while the ACK is withheld", section = "§13.3.1.4", role = "uas",
  passes = "copies of the 2xx 0.5, 1, 2, 4 s apart (±20%); at most one more after the ACK",
  steps = {
    invite, ok(),
    { retransmissions = { of = "inv", code = 200, intervals = { 500, 1000, 2000, 4000 } } },
    { send = c.ack_2xx() },
    { silence = { code = "2xx", of = "inv", within = 4500, at_most = 1 } },
    { send = c.bye(), cleanup = true },
  },
}

case {
  id = "UAS-040", title = "the ACK never comes", section = "§13.3.1.4", role = "uas",
  passes = "the 2xx copies stop by 64*T1 (32 s)",
  steps = {
    invite, ok(),
    { wait = 33000 },
    { silence = { code = "2xx", of = "inv", within = 5000 } },
    { send = c.ack_2xx(), cleanup = true },
    { send = c.bye(), cleanup = true },
  },
}

case {
  id = "UAS-041", title = "a refused INVITE, ACK withheld", section = "§17.2.1", role = "uas",
  passes = "the 4xx-6xx sent again 0.5, 1, 2 s apart until the ACK, then no more (n/a: the target accepts)",
  steps = {
    invite,
    { name = "fail", expect = { code = { "4xx", "5xx", "6xx" }, of = "inv", within = 6000,
                                na = { 200 }, na_reason = "the target accepts the INVITE" } },
    { retransmissions = { of = "inv", code = 486, intervals = { 500, 1000, 2000 } } },
    { send = c.ack_failure({ to_tag = "${to_tag:fail}" }) },
    { silence = { code = { "4xx", "5xx", "6xx" }, of = "inv", within = 4500, at_most = 1 } },
  },
  hangup = true,
}

case {
  id = "UAS-030", title = "merged request: the INVITE again with another branch", section = "§8.2.2.2", role = "uas",
  passes = "482 to the second INVITE; the first goes on to its 2xx",
  steps = {
    invite, ring(),
    { send = c.request({ branch = "${branch:merged}" }), name = "merged" },
    { expect = { code = 482, of = "merged" } },
    ok(),
  },
  hangup = true,
}

case {
  id = "UAS-028", title = "re-INVITE while the first INVITE rings", section = "§14.2", role = "uas",
  passes = "500 with Retry-After 0..10",
  steps = {
    invite, ring(),
    { send = c.request({ branch = "${branch:re}", cseq = 2, to_tag = "${to_tag:ring}" }), name = "re" },
    { expect = { code = 500, of = "re", headers = { { "Retry-After", range = { 0, 10 } } } } },
  },
  hangup = true,
}

case {
  id = "UAS-027", title = "in-dialog request with a lower CSeq", section = "§12.2.2", role = "uas",
  passes = "500 to it; the dialog goes on (the BYE gets 200)",
  steps = {
    { send = c.request({ branch = "${branch:inv}", cseq = 5 }), name = "inv" }, ok(),
    { send = c.ack_2xx({ cseq = 5 }) },
    { send = c.request({ method = "INFO", uri = "${contact}", cseq = 3, to_tag = "${to_tag}", body = false }),
      name = "low" },
    { expect = { code = 500, of = "low" } },
    { send = c.bye({ cseq = 6 }), name = "bye", cleanup = true },
    { expect = { code = 200, of = "bye" } },
  },
}

case {
  id = "UAS-029", title = "Record-Route copied into the 2xx", section = "§12.1.1", role = "uas",
  passes = "the 2xx lists both Record-Route values in order, parameters intact",
  steps = {
    { send = c.request({ branch = "${branch:inv}",
                         headers = { "Record-Route: <sip:p1.example.com;lr;foo=bar>, <sip:p2.example.com;lr>" } }),
      name = "inv" },
    ok("ok", { headers = { { "Record-Route", equals = "<sip:p1.example.com;lr;foo=bar>, <sip:p2.example.com;lr>" } } }),
  },
  hangup = true,
}

return cases
