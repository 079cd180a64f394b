-- Proxy cases (RFC 3261 §16): the tester is both ends. It sends from its main socket to the proxy
-- with a Request-URI on its alternate socket (sip:callee@${alt}), receives there what the proxy
-- forwards, checks it, answers it, and checks what the proxy relays back to the main socket.
local c = require "conform"
local DOWN, TO = c.DOWN, c.DOWN_TO
local invite, ack, busy = c.down_invite, c.down_ack, c.busy
local function message(t)
  t = t or {}
  t.method, t.uri, t.to, t.body, t.content_type = "MESSAGE", t.uri or DOWN, t.to or TO, "hello", "text/plain"
  return c.request(t)
end

return {
  {
    id = "PX-001", title = "Max-Forwards 0", section = "§16.3(3)", role = "proxy",
    passes = "an INVITE with Max-Forwards: 0 gets 483 and is not forwarded",
    steps = {
      { send = invite({ max_forwards = 0 }), name = "inv" },
      { expect = { code = 483 } },
      { silence = { request = "INVITE", socket = "alt", within = 300 } },
      { send = ack(), cleanup = true },
    },
  },
  {
    id = "PX-002", title = "Max-Forwards decremented, added when missing", section = "§16.6(3)", role = "proxy",
    passes = "Max-Forwards 7 is forwarded as 6; a request without one is forwarded with Max-Forwards: 70",
    steps = {
      { send = message({ max_forwards = 7 }), name = "m1" },
      { expect = { request = "MESSAGE", socket = "alt", headers = { { "Max-Forwards", equals = "6" } },
                   reply = c.response({}) } },
      { expect = { code = 200, of = "m1" }, setup = true },
      { send = message({ max_forwards = false, cseq = 2 }), name = "m2" },
      { expect = { request = "MESSAGE", socket = "alt", headers = { { "Max-Forwards", equals = "70" } },
                   reply = c.response({}) } },
      { expect = { code = 200, of = "m2" }, cleanup = true },
    },
  },
  {
    id = "PX-003", title = "Loop detected", section = "§16.3(4); RFC 5393 §4", role = "proxy",
    passes = "the same INVITE coming back with the proxy's own earlier Via in it gets 482",
    steps = {
      { send = invite(), name = "inv" },
      { expect = { request = "INVITE", socket = "alt", reply = busy }, name = "fwd", setup = true },
      { expect = { code = 486 }, setup = true },
      { send = ack() },
      { send = invite({ branch = "${branch:loop}",
                        via = "SIP/2.0/UDP ${local};branch=${branch:loop};rport, ${header:Via/fwd}" }),
        name = "loop" },
      { expect = { code = 482, of = "loop" } },
      { send = ack({ branch = "${branch:loop}" }), cleanup = true },
    },
  },
  {
    id = "PX-004", title = "Spiral forwarded", section = "§16.3(4)", role = "proxy",
    passes = "the INVITE coming back with the proxy's Via but a new Request-URI (a spiral) is forwarded, not 482",
    steps = {
      { send = invite(), name = "inv" },
      { expect = { request = "INVITE", socket = "alt", reply = busy }, name = "fwd", setup = true },
      { expect = { code = 486 }, setup = true },
      { send = ack() },
      { send = invite({ uri = "sip:spiral@${alt}", branch = "${branch:sp}",
                        via = "SIP/2.0/UDP ${local};branch=${branch:sp};rport, ${header:Via/fwd}" }),
        name = "sp" },
      { expect = { request = "INVITE", socket = "alt", uri = "sip:spiral@${alt}", reply = busy },
        within = 2000 },
      { expect = { code = 486, of = "sp" } },
      { send = c.ack_failure({ uri = "sip:spiral@${alt}", to = TO, branch = "${branch:sp}" }), cleanup = true },
    },
  },
  {
    id = "PX-005", title = "Proxy-Require not supported", section = "§16.3(5); RFC 4475 §3.3.5", role = "proxy",
    passes = "an INVITE with Proxy-Require: noext gets 420 with Unsupported: noext and is not forwarded",
    steps = {
      { send = invite({ headers = { "Proxy-Require: noext" } }), name = "inv" },
      { expect = { code = 420, headers = { { "Unsupported", contains = "noext" } } } },
      { silence = { request = "INVITE", socket = "alt", within = 300 } },
      { send = ack(), cleanup = true },
    },
  },
  {
    id = "PX-010", title = "Body and headers passed on", section = "§16.6(1)", role = "proxy",
    passes = "the forwarded INVITE has the body byte for byte, repeated and unknown header lines in their order",
    steps = {
      { send = invite({ headers = { "X-Rep: one", "Subject: conform", "X-Rep: two", "X-Unknown-Thing: keep;me=1",
                                    "X-Rep: three" } }), name = "inv" },
      { expect = { request = "INVITE", socket = "alt", same_body = true, reply = busy,
                   same_headers = "X-Rep,X-Unknown-Thing,Subject,From,To,Call-ID,CSeq,Contact,Content-Type" } },
      { expect = { code = 486 }, cleanup = true },
      { send = ack(), cleanup = true },
    },
  },
  {
    id = "PX-011", title = "100 Trying for INVITE only, downstream 100 kept", section = "§16.2, §16.7(5)",
    role = "proxy",
    passes = "an INVITE gets a 100 without To tag within 200 ms, a MESSAGE none; the downstream 100 is not relayed",
    steps = {
      { send = invite(), name = "inv" },
      { expect = { code = 100, to_tag = false, within = 200 } },
      { expect = { request = "INVITE", socket = "alt",
                   reply = c.response({ code = 100, reason = "Trying downstream", tag = false }) }, name = "fwd" },
      { silence = { code = 100, socket = "main", within = 400 } },
      { send = c.response({ code = 486, reason = "Busy Here", of = "fwd" }), socket = "alt" },
      { expect = { code = 486, of = "inv" }, setup = true },
      { send = ack() },
      { send = message({ cseq = 2 }), name = "msg" },
      { silence = { code = 100, socket = "main", within = 300 } },
      { expect = { request = "MESSAGE", socket = "alt", reply = c.response({}) }, setup = true },
      { expect = { code = 200, of = "msg" }, cleanup = true },
    },
  },
}
