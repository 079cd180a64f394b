-- Requests a UAS must refuse, and odd but legal ones it must take (RFC 3261 §8.2, §7, §18.3,
-- §21; RFC 4475). Each runs outside any dialog and needs no call.
local c = require "conform"

local function options(extra) -- an OPTIONS with some fields changed
  local t = { method = "OPTIONS", body = false }
  for k, v in pairs(extra or {}) do t[k] = v end
  return c.request(t)
end

local cases = {}
local function case(t) cases[#cases + 1] = t end

for _, h in ipairs({ "Call-ID", "From", "To", "CSeq" }) do
  case {
    id = h == "Call-ID" and "UAS-001" or ("UAS-001-" .. h:lower()),
    title = "INVITE without " .. h, section = "§8.1.1", role = "uas",
    passes = "400, the echo rules holding for the headers present",
    steps = {
      { send = c.request({ omit = { h } }) },
      { expect = { code = 400, echo = true } },
    },
  }
end

-- Any final answer but 400: the request was taken as SIP.
local taken = { "2xx", "3xx", 401, 403, 404, 405, 406, 407, 408, 410, 413, 414, 415, 416, 420, 421, 423, 480,
                481, 482, 483, 484, 485, 486, 488, 489, 491, 493, "5xx", "6xx" }
case {
  id = "TR-007", title = "IPv6 references, bracketed and not", section = "RFC 5118 §4.1, §4.3; RFC 3261 §25.1",
  role = "uas",
  passes = "an OPTIONS to sip:service@[2001:db8::10] whose Via sent-by is [2001:db8::1] is taken (any final "
        .. "answer but 400); one to sip:service@2001:db8::10 (no brackets) is refused with 400",
  steps = {
    { send = options({ uri = "sip:service@[2001:db8::10]", via = "SIP/2.0/UDP [2001:db8::1]:5060;branch=${branch};rport" }) },
    { expect = { code = taken } },
    { send = options({ uri = "sip:service@2001:db8::10" }) },
    { expect = { code = 400 } },
  },
}

case {
  id = "UAS-002", title = "OPTIONS with CSeq: 8 INVITE", section = "§20.16", role = "uas",
  passes = "400",
  steps = { { send = options({ cseq = 8, cseq_method = "INVITE" }) }, { expect = { code = 400 } } },
}

case {
  id = "UAS-003", title = "unknown method out of dialog", section = "§21.5.2", role = "uas",
  passes = "501 with the echo rules and a To tag",
  steps = {
    { send = c.request({ method = "FOOBAR", body = false }) },
    { expect = { code = 501, echo = true, to_tag = true } },
  },
}

for _, m in ipairs({ "SUBSCRIBE", "REFER" }) do
  case {
    id = m == "SUBSCRIBE" and "UAS-004" or "UAS-004-refer",
    title = m .. " to a UA that does not do it", section = "§8.2.1", role = "uas",
    passes = "405 with Allow (n/a when the target takes " .. m .. ")",
    steps = {
      { send = c.request({ method = m, body = false,
                           headers = m == "SUBSCRIBE" and { "Event: presence", "Expires: 0" }
                                     or { "Refer-To: <sip:other@${target}>" } }) },
      { expect = { code = 405, na = { 200, 202, 489 }, na_reason = "the target takes " .. m,
                   headers = { { "Allow" } } } },
    },
  }
end

case {
  id = "UAS-005", title = "ACK matching no transaction", section = "§17.2.3", role = "uas",
  passes = "no response within 5 s",
  steps = {
    { send = c.request({ method = "ACK", to_tag = "nosuchtag", body = false }) },
    { silence = { within = 5000 } },
  },
}

case {
  id = "UAS-006", title = "INVITE with Require: foo, bar", section = "§8.2.2.3", role = "uas",
  passes = "420 with Unsupported listing exactly foo and bar",
  steps = {
    { send = c.request({ headers = { "Require: foo, bar" } }) },
    { expect = { code = 420, within = 5000, headers = { { "Unsupported", list = "foo, bar" } } } },
  },
  hangup = true,
}

case {
  id = "UAS-008", title = "Request-URI scheme unkscm:", section = "§8.2.2.1", role = "uas",
  passes = "416",
  steps = { { send = options({ uri = "unkscm:nobody@example.com" }) }, { expect = { code = 416 } } },
}

case {
  id = "UAS-009", title = "INVITE body of an unknown type", section = "§8.2.3", role = "uas",
  passes = "415 with Accept",
  steps = {
    { send = c.request({ content_type = "application/unknownformat", body = "<xml>odd</xml>\n" }) },
    { expect = { code = 415, within = 5000, headers = { { "Accept" } } } },
  },
  hangup = true,
}

local unknown = {}
for i = 1, 20 do unknown[i] = "X-Unknown-" .. i .. ": value " .. i end
case {
  id = "UAS-010", title = "OPTIONS with 20 unknown headers", section = "§8.2.2", role = "uas",
  passes = "processed normally: 2xx with the echo rules",
  steps = { { send = options({ headers = unknown }) }, { expect = { code = "2xx", echo = true } } },
}

case {
  id = "UAS-011", title = "every header in compact form", section = "§7.3.3", role = "uas",
  passes = "the same 2xx as with the long forms, echo rules holding",
  steps = {
    { send = [[
OPTIONS sip:service@${target} SIP/2.0
v: SIP/2.0/UDP ${local};branch=${branch};rport
Max-Forwards: 70
f: "Conform" <sip:conform@${local_host}>;tag=${tag}
t: <sip:service@${target}>
i: ${call_id}
CSeq: 1 OPTIONS
m: <sip:conform@${local}>
k: timer
l: 0

]] },
    { expect = { code = "2xx", echo = true } },
  },
}

case {
  id = "UAS-012", title = "mixed-case header and parameter names", section = "§7.3.1", role = "uas",
  passes = "2xx; a second copy is a retransmission (the same To tag)",
  steps = {
    { name = "o", send = [[
OPTIONS sip:service@${target} SIP/2.0
vIA: SIP/2.0/UDP ${local};BRANCH=${branch};rport
mAX-fORWARDS: 70
fROM: "Conform" <sip:conform@${local_host}>;TAG=${tag}
tO: <sip:service@${target}>
cALL-iD: ${call_id}
cSEQ: 1 OPTIONS
cONTENT-lENGTH: 0

]] },
    { name = "first", expect = { code = "2xx", echo = true } },
    { resend = "o" },
    { expect = { code = "2xx", same_tag_as = "first" } },
  },
}

case {
  id = "UAS-013", title = "folded lines and LWS around ':' and ';'", section = "§7.3.1", role = "uas",
  passes = "parsed: 2xx with the echo rules",
  steps = {
    { send = [[
OPTIONS sip:service@${target} SIP/2.0
Via  :  SIP/2.0/UDP ${local} ;branch=${branch} ;rport
Max-Forwards:
  70
From: "Conform"
 <sip:conform@${local_host}>;tag=${tag}
To   : <sip:service@${target}>
Call-ID	: ${call_id}
CSeq: 1
	OPTIONS
Subject: a subject
  folded over
   three lines
Content-Length: 0

]] },
    { expect = { code = "2xx" } },
  },
}

case {
  id = "UAS-014", title = "Via over 3 header lines", section = "§7.3.1", role = "uas",
  passes = "the response keeps the 3 Via values in order, byte for byte",
  steps = {
    { send = c.request({ method = "OPTIONS", body = false,
        via = "SIP/2.0/UDP ${local};branch=${branch};rport\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-two\nVia: SIP/2.0/UDP 192.0.2.2:5070;branch=z9hG4bK-three;received=192.0.2.3" }) },
    { expect = { code = "2xx", via_exact = true } },
  },
}

case {
  id = "UAS-014-comma", title = "Via as 3 comma-separated values", section = "§7.3.1", role = "uas",
  passes = "the response keeps the 3 Via values in order",
  steps = {
    { send = c.request({ method = "OPTIONS", body = false,
        via = "SIP/2.0/UDP ${local};branch=${branch};rport, SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-two ,SIP/2.0/UDP 192.0.2.2:5070;branch=z9hG4bK-three" }) },
    { expect = { code = "2xx", via_exact = true } },
  },
}

case {
  id = "UAS-015", title = "bytes after the Content-Length body", section = "§18.3", role = "uas",
  passes = "the extra bytes discarded: 2xx, no 400",
  steps = {
    { send = [[
OPTIONS sip:service@${target} SIP/2.0
Via: SIP/2.0/UDP ${local};branch=${branch};rport
Max-Forwards: 70
From: <sip:conform@${local_host}>;tag=${tag}
To: <sip:service@${target}>
Call-ID: ${call_id}
CSeq: 1 OPTIONS
Content-Type: text/plain
Content-Length: 5

12345garbage after the body
]] },
    { expect = { code = "2xx" } },
  },
}

case {
  id = "UAS-016", title = "Content-Length larger than the body", section = "§18.3", role = "uas",
  passes = "400",
  steps = {
    { send = [[
INVITE sip:service@${target} SIP/2.0
Via: SIP/2.0/UDP ${local};branch=${branch};rport
Max-Forwards: 70
From: <sip:conform@${local_host}>;tag=${tag}
To: <sip:service@${target}>
Call-ID: ${call_id}
CSeq: 1 INVITE
Content-Type: application/sdp
Content-Length: 9999

v=0
]] },
    { expect = { code = 400 } },
  },
}

case {
  id = "UAS-017", title = "REGISTER with CSeq 2^65", section = "§8.1.1.5", role = "uas",
  passes = "400",
  steps = {
    { send = c.request({ method = "REGISTER", uri = "sip:${target}", cseq = "36893488147419103232",
                         body = false, headers = { "Expires: 10000000000000000000000000", "Contact: <sip:c@${local}>" } }) },
    { expect = { code = 400 } },
  },
}

case {
  id = "UAS-018", title = "OPTIONS ... SIP/7.0", section = "§21.5.6", role = "uas",
  passes = "505",
  steps = {
    { send = options():gsub("SIP/2.0\n", "SIP/7.0\n", 1) },
    { expect = { code = 505 } },
  },
}

case {
  id = "UAS-019", title = "Request-URI inside <>", section = "§7.1", role = "uas",
  passes = "400",
  steps = { { send = options({ uri = "<sip:service@${target}>" }) }, { expect = { code = 400 } } },
}

case {
  id = "UAS-019-quote", title = "a quoted display name left open", section = "§7.1", role = "uas",
  passes = "400",
  steps = {
    { send = options({ to = "\"Open quote <sip:service@${target}>" }) },
    { expect = { code = 400 } },
  },
}

case {
  id = "UAS-020", title = "branch=z9hG4bK alone, sent twice", section = "§17.2.3", role = "uas",
  passes = "an answer to each copy, and the target still answers afterwards (never a crash)",
  steps = {
    { name = "o", send = options({ branch = "z9hG4bK" }) },
    { expect = { } },
    { resend = "o" },
    { expect = { } },
    { alive = 3000 },
  },
}

case {
  id = "UAS-045", title = "OPTIONS with Max-Forwards: 0", section = "§16.3", role = "uas",
  passes = "answered as the final recipient (2xx), not 483",
  steps = { { send = options({ max_forwards = 0 }) }, { expect = { code = "2xx" } } },
}

case {
  id = "UAS-044", title = "OPTIONS out of dialog", section = "§11.2", role = "uas",
  passes = "200 with Allow (SHOULD) and a To tag",
  steps = {
    { send = options() },
    { expect = { code = 200, to_tag = true, headers = { { "Allow" } } } },
  },
}

return cases
