-- Proxy cases: responses relayed upstream, CANCEL (§16.7, §16.10, RFC 6026); see 10_forwarding.lua.
local c = require "conform"
local DOWN, TO = c.DOWN, c.DOWN_TO
local invite, ack, busy = c.down_invite, c.down_ack, c.busy
local contact = "Contact: <" .. DOWN .. ">"
local function ack_2xx()
  return { send = c.ack_2xx({ to_tag = "${to_tag:ok}", uri = "${contact:ok}",
                              headers = { "Route: ${header:Record-Route/ok}" } }), cleanup = true }
end

return {
  {
    id = "PX-012", title = "1xx and 2xx relayed untouched", section = "§16.7(5), (6)", role = "proxy",
    passes = "the downstream 180 and 2xx reach the UAC with To (tag), From, Call-ID, CSeq, Contact and body as sent",
    steps = {
      { send = invite(), name = "inv" },
      { expect = { request = "INVITE", socket = "alt" }, name = "fwd", setup = true },
      { send = c.response({ code = 180, reason = "Ringing", of = "fwd" }), socket = "alt", name = "r180" },
      { expect = { code = 180, of = "r180", any_transaction = true, socket = "main",
                   same_headers = "To,From,Call-ID,CSeq", within = 500 } },
      { send = c.response({ code = 200, of = "fwd", rr = true, headers = { contact }, body = c.sdp }),
        socket = "alt", name = "r200" },
      { expect = { code = 200, of = "r200", any_transaction = true, socket = "main", same_body = true,
                   same_headers = "To,From,Call-ID,CSeq,Contact", within = 500 }, name = "ok" },
      ack_2xx(),
    },
  },
  {
    id = "PX-013", title = "Own Via removed from responses", section = "§16.7(3), §18.2.2", role = "proxy",
    passes = "the forwarded INVITE has one Via added on top; the 486 comes back with exactly the UAC's Via, to its rport",
    steps = {
      { send = invite(), name = "inv" },
      { expect = { request = "INVITE", socket = "alt", vias_below = true, reply = busy } },
      { expect = { code = 486, via_exact = true, socket = "main" } },
      { send = ack(), cleanup = true },
    },
  },
  {
    id = "PX-016", title = "CANCEL after a 180", section = "§16.10, §9.1", role = "proxy",
    passes = "the CANCEL gets 200 at once; a CANCEL goes downstream with the INVITE's Request-URI and branch, no Require; the 487 is relayed",
    steps = {
      { send = invite(), name = "inv" },
      { expect = { request = "INVITE", socket = "alt", reply = c.response({ code = 180, reason = "Ringing" }) },
        name = "fwd", setup = true },
      { expect = { code = 180 }, setup = true },
      { send = c.cancel({ uri = DOWN, to = TO }), name = "cancel" },
      { expect = { code = 200, of = "cancel", within = 500 } },
      { expect = { request = "CANCEL", socket = "alt", uri = DOWN, reply = c.response({}),
                   headers = { { "Via", first_contains = "branch=${branch_of:fwd}" }, { "Require", absent = true } } } },
      { send = c.response({ code = 487, reason = "Request Terminated", of = "fwd" }), socket = "alt", cleanup = true },
      { expect = { code = 487, of = "inv" } },
      { send = ack(), cleanup = true },
    },
  },
  {
    id = "PX-017", title = "Record-Route of a 2xx passed on", section = "§16.7(9), §12.1.1", role = "proxy",
    passes = "a 2xx carrying the proxy's and a downstream Record-Route reaches the UAC with both, unchanged",
    steps = {
      { send = invite(), name = "inv" },
      { expect = { request = "INVITE", socket = "alt" }, name = "fwd", setup = true },
      { send = c.response({ code = 200, of = "fwd", rr = true,
                            headers = { "Record-Route: <sip:downstream.invalid;lr>", contact } }),
        socket = "alt", name = "r200" },
      { expect = { code = 200, of = "r200", any_transaction = true, socket = "main", same_headers = "Record-Route",
                   within = 500 }, name = "ok" },
      ack_2xx(),
    },
  },
  {
    id = "PX-019", title = "2xx retransmissions relayed", section = "RFC 6026 §7.2", role = "proxy",
    passes = "a downstream 2xx and its retransmission both reach the UAC (the row's 2-fork half is not judged)",
    steps = {
      { send = invite(), name = "inv" },
      { expect = { request = "INVITE", socket = "alt" }, name = "fwd", setup = true },
      { send = c.response({ code = 200, of = "fwd", rr = true, headers = { contact } }), socket = "alt", name = "r200" },
      { expect = { code = 200, of = "inv", within = 500 }, name = "ok", setup = true },
      { resend = "r200" },
      { expect = { code = 200, of = "inv", within = 1000 } },
      ack_2xx(),
    },
  },
  {
    id = "PX-020", title = "Stray 2xx not forwarded", section = "RFC 6026 §7.2", role = "proxy",
    passes = "a 2xx whose top Via names the proxy with a branch it never sent is not forwarded",
    steps = {
      { send = table.concat({ "SIP/2.0 200 OK", "Via: SIP/2.0/UDP ${target};branch=z9hG4bKstray${token}",
                              "Via: SIP/2.0/UDP ${local};branch=${branch:inv};rport",
                              "From: <sip:conform@${local_host}>;tag=${tag}", "To: " .. TO .. ";tag=stray",
                              "Call-ID: ${call_id}", "CSeq: 1 INVITE", contact, "Content-Length: 0", "", "" }, "\n"),
        socket = "alt" },
      { silence = { socket = "main", within = 500 } },
    },
  },
}
