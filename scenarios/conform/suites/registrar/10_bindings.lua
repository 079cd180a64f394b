-- Registrar cases (RFC 3261 §10.2, §10.3): each case registers its own AOR (r${token}) with
-- Contacts that point at the tester (${local}, ${alt}), so cases can run side by side.
local c = require "conform"

local AOR = "<sip:r${token}@${target_host}>"
local A = "sip:a${token}@${local}"
local B = "sip:b${token}@${alt}"

-- A REGISTER of the case's AOR. t: cseq, call_id, contacts (list of Contact values), headers.
local function register(t)
  local h = {}
  for _, v in ipairs(t.contacts or {}) do h[#h + 1] = "Contact: " .. v end
  for _, v in ipairs(t.headers or {}) do h[#h + 1] = v end
  return c.request({ method = "REGISTER", uri = "sip:${target_host}:${target_port}", to = AOR,
                     from = AOR, cseq = t.cseq or 1, call_id = t.call_id, body = false,
                     headers = h })
end
local function step(t, setup) return { send = register(t), setup = setup } end
local function ok(extra, setup)
  return { expect = { code = 200, headers = extra }, setup = setup }
end

local cases = {}
local function case(t) t.role = "registrar"; cases[#cases + 1] = t end

case {
  id = "REG-001", title = "REGISTER with one Contact and Expires: 3600", section = "§10.3 step 8",
  passes = "200 listing the binding with ;expires= in 1..3600",
  steps = { step({ contacts = { "<" .. A .. ">" }, headers = { "Expires: 3600" } }),
            ok({ { "Contact", uris = A }, { "Contact", param = "expires", range = { 1, 3600 } } }) },
}

case {
  id = "REG-002", title = "Contact ;expires=120 beats Expires: 3600", section = "§10.3 step 7",
  passes = "200 with ;expires= in 1..120",
  steps = { step({ contacts = { "<" .. A .. ">;expires=120" }, headers = { "Expires: 3600" } }),
            ok({ { "Contact", uris = A }, { "Contact", param = "expires", range = { 1, 120 } } }) },
}

case {
  id = "REG-003", title = "expires=1, below any sane minimum", section = "§10.3 step 7, §21.4.17",
  passes = "200 with the expiry raised to at least 2 s (n/a: 423 Interval Too Brief, also allowed)",
  steps = { step({ contacts = { "<" .. A .. ">;expires=1" } }),
            { expect = { code = 200, na = { 423 }, na_reason = "423: the registrar refuses brief intervals",
                         headers = { { "Contact", param = "expires", range = { 2, 86400 } } } } } },
}

case {
  id = "REG-004", title = "refresh with the same Call-ID and CSeq+1", section = "§10.2.4",
  passes = "200 listing the one binding once",
  steps = { step({ contacts = { "<" .. A .. ">;expires=600" } }, true), ok(nil, true),
            step({ cseq = 2, contacts = { "<" .. A .. ">;expires=600" } }),
            ok({ { "Contact", count = 1 }, { "Contact", uris = A } }) },
}

case {
  id = "REG-005", title = "update with a CSeq not greater than the stored one", section = "§10.3 step 7",
  passes = "the binding survives a removal sent with a lower CSeq on the same Call-ID",
  steps = { step({ cseq = 5, contacts = { "<" .. A .. ">;expires=600" } }, true), ok(nil, true),
            step({ cseq = 4, contacts = { "<" .. A .. ">;expires=0" } }), { expect = {} },
            step({ call_id = "${call_id:q}" }), ok({ { "Contact", uris = A } }) },
}

case {
  id = "REG-006", title = "same Contact from a new Call-ID", section = "§10.3 step 7",
  passes = "200 listing the binding once (replaced, not added)",
  steps = { step({ contacts = { "<" .. A .. ">;expires=600" } }, true), ok(nil, true),
            step({ call_id = "${call_id:2}", contacts = { "<" .. A .. ">;expires=600" } }),
            ok({ { "Contact", count = 1 } }) },
}

case {
  id = "REG-007", title = "one of two bindings removed with expires=0", section = "§10.2.2",
  passes = "200 listing only the other binding",
  steps = { step({ contacts = { "<" .. A .. ">;expires=600", "<" .. B .. ">;expires=600" } }, true),
            ok(nil, true), step({ cseq = 2, contacts = { "<" .. A .. ">;expires=0" } }),
            ok({ { "Contact", uris = B } }) },
}

case {
  id = "REG-008", title = "Contact: * with Expires: 0", section = "§10.3 step 6",
  passes = "200 without Contact, and a later query lists no binding",
  steps = { step({ contacts = { "<" .. A .. ">;expires=600", "<" .. B .. ">;expires=600" } }, true),
            ok(nil, true), step({ cseq = 2, contacts = { "*" }, headers = { "Expires: 0" } }),
            ok({ { "Contact", absent = true } }), step({ cseq = 3 }), ok({ { "Contact", absent = true } }) },
}

case {
  id = "REG-009", title = "Contact: * with Expires: 3600", section = "§10.3 step 6",
  passes = "400",
  steps = { step({ contacts = { "*" }, headers = { "Expires: 3600" } }), { expect = { code = 400 } } },
}

case {
  id = "REG-009-multi", title = "Contact: * next to another Contact", section = "§10.3 step 6",
  passes = "400",
  steps = { step({ contacts = { "*", "<" .. A .. ">" }, headers = { "Expires: 0" } }),
            { expect = { code = 400 } } },
}

case {
  id = "REG-010", title = "REGISTER without Contact (a query)", section = "§10.2.3",
  passes = "200 listing the binding, unchanged",
  steps = { step({ contacts = { "<" .. A .. ">;expires=600" } }, true), ok(nil, true),
            step({ cseq = 2 }), ok({ { "Contact", uris = A }, { "Contact", param = "expires", range = { 1, 600 } } }) },
}

case {
  id = "REG-012", title = "REGISTER carrying Record-Route", section = "§10.3",
  passes = "200 without Record-Route",
  steps = { step({ contacts = { "<" .. A .. ">;expires=600" },
                   headers = { "Record-Route: <sip:rr.invalid;lr>" } }),
            ok({ { "Record-Route", absent = true } }) },
}

case {
  id = "REG-014", title = "REGISTER with Require: foo", section = "§10.3 step 2",
  passes = "420 with Unsupported: foo",
  steps = { step({ contacts = { "<" .. A .. ">;expires=600" }, headers = { "Require: foo" } }),
            { expect = { code = 420, headers = { { "Unsupported", contains = "foo" } } } } },
}

case {
  id = "REG-013", title = "query with an escaped user part of the AOR", section = "§10.3 step 5, §19.1.4",
  passes = "a REGISTER to <sip:%72${token}@...> (the same AOR, 'r' escaped) lists the binding",
  steps = { step({ contacts = { "<" .. A .. ">;expires=600" } }, true), ok(nil, true),
            { send = c.request({ method = "REGISTER", uri = "sip:${target_host}:${target_port}",
                                 to = "<sip:%72${token}@${target_host}>", from = AOR, cseq = 2,
                                 body = false }) },
            ok({ { "Contact", uris = A } }) },
}

case {
  id = "REG-015", title = "To AOR outside the Request-URI's domain", section = "§10.3 step 5",
  passes = "404 (n/a: 403 from a registrar that forbids it, or a forwarded REGISTER's failure)",
  steps = { { send = c.request({ method = "REGISTER", uri = "sip:${target_host}:${target_port}",
                                 to = "<sip:r${token}@elsewhere.invalid>", from = AOR, body = false,
                                 headers = { "Contact: <" .. A .. ">;expires=600" } }) },
            { expect = { code = 404, na = { 403, 408, 478, 480, 500, 503 },
                         na_reason = "refused otherwise or forwarded (the element is also a proxy)" } } },
}

-- An INVITE to the case's AOR (for a registrar that also routes, like Kamailio's stock config).
local function invite_aor()
  return c.request({ uri = "sip:r${token}@${target_host}:${target_port}", to = AOR,
                     branch = "${branch:inv}", call_id = "${call_id:inv}" })
end
local BUSY = "SIP/2.0 486 Busy Here\n${echo}\nContent-Length: 0\n\n"
local ROUTES = { code = "1xx", na = { 403, 404, 405, 480, 501 },
                 na_reason = "a pure registrar: the target does not route INVITEs to its bindings" }

case {
  id = "REG-011", title = "two bindings with q=1.0 and q=0.1, then an INVITE to the AOR",
  section = "§10.2.1.2, §16.6",
  passes = "the 200 shows both q values and the INVITE reaches the q=1.0 Contact (n/a: no routing)",
  steps = {
    step({ contacts = { "<" .. B .. ">;q=1.0;expires=600", "<" .. A .. ">;q=0.1;expires=600" } }),
    ok({ { "Contact", count = 2 }, { "Contact", contains = "q=1" }, { "Contact", contains = "q=0.1" } }),
    { send = invite_aor(), name = "inv" },
    { expect = ROUTES },
    { expect = { request = "INVITE", on = "alt", reply = BUSY, within = 3000 } },
    { expect = { request = "INVITE", on = "main", reply = BUSY, within = 3000 }, cleanup = true },
    { expect = { code = "4xx", of = "inv", within = 5000 }, cleanup = true },
    { send = c.ack_failure({ branch = "${branch:inv}", call_id = "${call_id:inv}" }), cleanup = true },
  },
}

case {
  id = "REG-016", title = "a binding with expires=5, INVITE to the AOR 7 s later", section = "§10.2.1.1",
  passes = "404/480 and nothing forwarded to the expired Contact (inconclusive: expiry raised above 5 s)",
  steps = {
    step({ contacts = { "<" .. B .. ">;expires=5" } }, true),
    ok({ { "Contact", param = "expires", range = { 1, 5 } } }, true),
    { wait = 7000 },
    { send = invite_aor(), name = "inv" },
    { expect = { code = { 404, 480 }, na = { 405, 501 }, na_reason = ROUTES.na_reason, of = "inv",
                 within = 3000 } },
    { send = c.ack_failure({ branch = "${branch:inv}", call_id = "${call_id:inv}" }), cleanup = true },
  },
}

return cases
