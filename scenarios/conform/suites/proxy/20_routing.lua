-- Proxy cases: Record-Route and Route processing (§16.4, §16.6(4)); see 10_forwarding.lua.
local c = require "conform"
local DOWN, TO = c.DOWN, c.DOWN_TO
local invite, ack, busy = c.down_invite, c.down_ack, c.busy
local function in_dialog(t)
  t.method, t.to, t.to_tag, t.body = "INFO", TO, "dlg1", false
  return c.request(t)
end

return {
  {
    id = "PX-006", title = "Record-Route on top with lr", section = "§16.6(4), §19.1.1", role = "proxy",
    passes = "the forwarded INVITE has, above the existing Record-Route, a SIP URI of the proxy with ;lr",
    steps = {
      { send = invite({ headers = { "Record-Route: <sip:upstream.invalid;lr>" } }), name = "inv" },
      { expect = { request = "INVITE", socket = "alt", reply = busy,
                   headers = { { "Record-Route", first_contains = "sip:${target}" },
                               { "Record-Route", first_contains = ";lr" },
                               { "Record-Route", contains = "<sip:upstream.invalid;lr>" } } } },
      { expect = { code = 486 }, cleanup = true },
      { send = ack(), cleanup = true },
    },
  },
  {
    id = "PX-007", title = "Own Route removed (loose routing)", section = "§16.4", role = "proxy",
    passes = "an in-dialog request with Route: <proxy;lr>, <next;lr> goes to next without the proxy's Route, Request-URI untouched",
    steps = {
      { send = in_dialog({ uri = DOWN, headers = { "Route: <sip:${target};lr>, <sip:${alt};lr>" } }), name = "info" },
      { expect = { request = "INFO", socket = "alt", uri = DOWN, reply = c.response({}),
                   headers = { { "Route", list = "<sip:${alt};lr>" } } } },
      { expect = { code = 200, of = "info" }, cleanup = true },
    },
  },
  {
    id = "PX-008", title = "Strict-router Request-URI undone", section = "§16.4", role = "proxy",
    passes = "Request-URI = the proxy's URI, Route: <sip:callee@alt>: forwarded with that Request-URI and no Route",
    steps = {
      { send = in_dialog({ uri = "sip:${target};lr", headers = { "Route: <" .. DOWN .. ">" } }), name = "info" },
      { expect = { request = "INFO", socket = "alt", uri = DOWN, reply = c.response({}),
                   headers = { { "Route", absent = true } } } },
      { expect = { code = 200, of = "info" }, cleanup = true },
    },
  },
  {
    id = "PX-018", title = "CANCEL without a transaction forwarded", section = "§16.10", role = "proxy",
    passes = "a CANCEL that matches no transaction is forwarded statelessly",
    steps = {
      { send = c.cancel({ uri = DOWN, to = TO, branch = "${branch:lost}" }), name = "cancel" },
      { expect = { request = "CANCEL", socket = "alt", uri = DOWN,
                   reply = c.response({ code = 481, reason = "Call/Transaction Does Not Exist" }) } },
    },
  },
  {
    id = "PX-022", title = "non-2xx ACKed hop by hop, 2xx ACK routed end to end",
    section = "§17.1.1.3, §13.2.2.4", role = "proxy",
    passes = "the proxy ACKs a downstream 486 itself (INVITE branch) and absorbs ours; a 2xx's ACK with Route = the proxy reaches the UAS",
    steps = {
      { send = invite(), name = "inv" },
      { expect = { request = "INVITE", socket = "alt", reply = busy }, name = "fwd", setup = true },
      { expect = { code = 486 }, setup = true },
      { expect = { request = "ACK", socket = "alt", within = 1000,
                   headers = { { "Via", first_contains = "branch=${branch_of:fwd}" } } } },
      { send = ack() },
      { silence = { request = "ACK", socket = "alt", within = 300 } },
      { send = invite({ call_id = "${call_id:2}", branch = "${branch:inv2}", from_tag = "${tag:2}" }), name = "inv2" },
      { expect = { request = "INVITE", socket = "alt" }, name = "fwd2", setup = true },
      { send = c.response({ code = 200, of = "fwd2", rr = true, headers = { "Contact: <" .. DOWN .. ">" } }),
        socket = "alt" },
      { expect = { code = 200, of = "inv2" }, name = "ok", setup = true },
      { send = c.ack_2xx({ to_tag = "${to_tag:ok}", uri = "${contact:ok}", call_id = "${call_id:2}",
                           from_tag = "${tag:2}", headers = { "Route: ${header:Record-Route/ok}" } }) },
      { expect = { request = "ACK", socket = "alt", uri = DOWN, headers = { { "Route", absent = true } } } },
    },
  },
}
