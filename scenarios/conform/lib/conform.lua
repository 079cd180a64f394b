-- conform.lua: helpers for case files (require "conform"). They only build template text: every
-- ${slot} is filled in by the runner when the step runs (see README, "Conformance testing").
local M = {}

M.sdp = table.concat({
  "v=0", "o=conform 1 1 IN IP4 ${local_ip}", "s=-", "c=IN IP4 ${local_ip}", "t=0 0",
  "m=audio 40000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "" }, "\n")

-- A request as template text. Fields (all optional):
--   method ("INVITE"), uri ("sip:service@${target}"), branch ("${branch}"), cseq (1), cseq_method
--   (the method), call_id ("${call_id}"), from_tag ("${tag}"), to_tag (none), via (a whole Via value
--   instead of ours), max_forwards (70), omit = {"Call-ID", ...} (headers left out), headers = {lines
--   added before Content-Length}, body (text; INVITE gets M.sdp unless body = false), content_type.
function M.request(t)
  t = t or {}
  local method = t.method or "INVITE"
  local omit = {}
  for _, h in ipairs(t.omit or {}) do omit[h:lower()] = true end
  local lines = {}
  local function add(name, value)
    if not omit[name:lower()] then lines[#lines + 1] = name .. ": " .. value end
  end
  local body = t.body
  if body == nil and method == "INVITE" then body = M.sdp end
  if body == false then body = nil end
  lines[1] = method .. " " .. (t.uri or "sip:service@${target}") .. " SIP/2.0"
  add("Via", t.via or ("SIP/2.0/UDP ${local};branch=" .. (t.branch or "${branch}") .. (t.rport == false and "" or ";rport")))
  if t.max_forwards ~= false then add("Max-Forwards", tostring(t.max_forwards or 70)) end
  add("From", (t.from or "\"Conform\" <sip:conform@${local_host}>") .. ";tag=" .. (t.from_tag or "${tag}"))
  add("To", (t.to or "<sip:service@${target}>") .. (t.to_tag and (";tag=" .. t.to_tag) or ""))
  add("Call-ID", t.call_id or "${call_id}")
  add("CSeq", tostring(t.cseq or 1) .. " " .. (t.cseq_method or method))
  if method == "INVITE" or method == "SUBSCRIBE" or method == "REFER" then
    add("Contact", "<sip:conform@${local}>")
  end
  for _, h in ipairs(t.headers or {}) do lines[#lines + 1] = h end
  if body then add("Content-Type", t.content_type or "application/sdp") end
  add("Content-Length", "${len}")
  return table.concat(lines, "\n") .. "\n\n" .. (body or "")
end

-- The ACK for a non-2xx final answer to the INVITE sent with branch B (§17.1.1.3): same branch, the
-- response's To tag.
function M.ack_failure(t)
  t = t or {}
  return M.request({ method = "ACK", uri = t.uri, to = t.to, branch = t.branch or "${branch:inv}", cseq = t.cseq or 1,
                     to_tag = t.to_tag or "${to_tag}", body = false, call_id = t.call_id,
                     from_tag = t.from_tag })
end

-- The ACK for a 2xx (§13.2.2.4): a new branch, to the Contact of the 2xx, its To tag.
function M.ack_2xx(t)
  t = t or {}
  return M.request({ method = "ACK", uri = t.uri or "${contact}", cseq = t.cseq or 1,
                     to_tag = t.to_tag or "${to_tag}", body = false, call_id = t.call_id,
                     from_tag = t.from_tag, headers = t.headers })
end

-- BYE inside the dialog the 2xx made.
function M.bye(t)
  t = t or {}
  return M.request({ method = "BYE", uri = t.uri or "${contact}", cseq = t.cseq or 2,
                     to_tag = t.to_tag or "${to_tag}", body = false, call_id = t.call_id,
                     from_tag = t.from_tag })
end

-- CANCEL for the INVITE sent with branch B (§9.1): the same Request-URI, Call-ID, To, From, CSeq
-- number and top Via.
function M.cancel(t)
  t = t or {}
  return M.request({ method = "CANCEL", uri = t.uri, to = t.to, branch = t.branch or "${branch:inv}",
                     cseq = t.cseq or 1, body = false, call_id = t.call_id, from_tag = t.from_tag,
                     headers = t.headers, via = t.via })
end

-- The steps that end a call the target answered with a 2xx: ACK, BYE, its 200 (cleanup: they run
-- even after the case's verdict, so the target frees the call).
function M.hang_up(answer_name)
  local tag = answer_name and ("${to_tag:" .. answer_name .. "}") or "${to_tag}"
  local contact = answer_name and ("${contact:" .. answer_name .. "}") or "${contact}"
  return {
    { send = M.ack_2xx({ to_tag = tag, uri = contact }), cleanup = true },
    { send = M.bye({ to_tag = tag, uri = contact }), cleanup = true, name = "bye" },
  }
end

-- A response to a request the case received (a proxy forwarded it): the Via, From, To, Call-ID and
-- CSeq lines of that request (the expect step named `of`; without it, for an expect's `reply`, the
-- request that step got). Fields: code (200), reason ("OK"), of, tag (false: To as received, else a
-- To tag is added where it has none), rr (true: its Record-Route lines too), headers, body.
function M.response(t)
  t = t or {}
  local flags = (t.tag == false and "none" or "tag") .. (t.rr and ",rr" or "")
  local lines = { "SIP/2.0 " .. tostring(t.code or 200) .. " " .. (t.reason or "OK"),
                  "${echo:" .. flags .. (t.of and ("/" .. t.of) or "") .. "}" }
  for _, h in ipairs(t.headers or {}) do lines[#lines + 1] = h end
  if t.body then lines[#lines + 1] = "Content-Type: " .. (t.content_type or "application/sdp") end
  lines[#lines + 1] = "Content-Length: ${len}"
  return table.concat(lines, "\n") .. "\n\n" .. (t.body or "")
end

-- Proxy cases: the tester sends to the proxy with a Request-URI on its alternate socket (DOWN),
-- where the proxy forwards what it relays; these are the requests of that call.
M.DOWN, M.DOWN_TO = "sip:callee@${alt}", "<sip:callee@${alt}>"
function M.down_invite(t)
  t = t or {}
  t.uri, t.to, t.branch = t.uri or M.DOWN, t.to or M.DOWN_TO, t.branch or "${branch:inv}"
  return M.request(t)
end
function M.down_ack(t)  -- the ACK of a non-2xx the proxy relayed
  t = t or {}
  t.uri, t.to = M.DOWN, M.DOWN_TO
  return M.ack_failure(t)
end
M.busy = M.response({ code = 486, reason = "Busy Here" })  -- the downstream UAS's refusal

-- Joins lists of steps: steps = c.concat({ ... }, c.hang_up("ok")).
function M.concat(...)
  local out = {}
  for _, list in ipairs({ ... }) do
    for _, s in ipairs(list) do out[#out + 1] = s end
  end
  return out
end

return M
