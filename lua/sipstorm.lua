-- sipstorm: helpers that build SIP message templates for scenarios.
--
--   local sip = require "sipstorm"
--
-- Every helper returns template text (a string) for a step's `send = ...`: SIPp-style lines with
-- ${slots} that the engine fills per call (see engine/sip/template_compile.hpp). Nothing here talks to
-- the network; the text is compiled once when the scenario loads. Tables of options:
--
--   sip.invite{ to = URI, from = URI, sdp = TEXT, headers = { "X-Foo: bar", ... }, auth = true }
--       The initial INVITE of a UAC. `to` is also the Request-URI. `from` defaults to
--       sip.DEFAULT_FROM. The dialog's to/from are remembered for sip.ack_2xx/sip.bye/sip.request.
--       auth = true adds ${auth}: credentials answering the call's last 401/407, if any.
--   sip.initial(METHOD, { to, from, uri, body, content_type, headers, auth, contact })
--       Any request outside a dialog (REGISTER, OPTIONS, MESSAGE, SUBSCRIBE, REFER ...): From with
--       ${local_tag}, To without a tag, Request-URI `uri` (default: `to`). Remembered like invite.
--   sip.cancel()         CANCEL of the INVITE (RFC 3261 §9.1): its Request-URI, Via branch and CSeq number.
--   sip.ack_2xx{ ... }   ACK for a 2xx (RFC 3261 §13.2.2.4): in-dialog, the INVITE's CSeq number.
--   sip.bye{ ... }       BYE in the dialog.
--   sip.request(METHOD, { to, from, body, content_type, headers, auth })
--       Any in-dialog request (RFC 3261 §12.2.1.1): Request-URI ${remote_target}, ${routes}, From
--       with ${local_tag}, To with ${remote_tag}, the dialog's Call-ID, CSeq ${cseq}. The engine
--       increments CSeq for each new request other than ACK and CANCEL, so templates use ${cseq}.
--       In a UAS scenario (no sip.invite/sip.initial before it), From and To default to
--       ${local_uri} and ${remote_uri}: the To and From of the request that opened the call.
--   sip.response(CODE, REASON, { sdp, body, content_type, headers, in_dialog, answers, challenge })
--       A response to the last received request (RFC 3261 §8.2.6): Via, From, Call-ID and CSeq
--       copied from it; To gets our tag (except for 100 Trying, and when in_dialog = true because
--       the request already had one). 18x/2xx that create the dialog also copy Record-Route
--       (§12.1.1) and carry our Contact. answers = "INVITE": answer the INVITE rather than the last
--       request (the 487 after a CANCEL, the 200 after a PRACK or UPDATE) from ${invite_*}.
--       challenge = true: a 401 gets WWW-Authenticate, a 407 Proxy-Authenticate: ${challenge}.
--       dialog = false: a 2xx that creates no dialog (REGISTER, OPTIONS, MESSAGE): no Record-Route,
--       no Contact of ours (pass the registrar's Contact lines in headers).
--   sip.sdp_offer{ codecs, direction }, sip.sdp_answer{ codecs, direction }
--       An audio SDP body at ${local_ip}:${media_port}; codecs: a list of RTP payload types
--       (default { 0, 8 }: PCMU, PCMA; telephone-event 101 is always offered); direction:
--       "sendrecv" (default), "sendonly" (hold, RFC 3264 §8.4), "recvonly", "inactive".
--   sip.SDP_CAPTURE      captures for a recv step: the peer's media address and port, e.g.
--       { recv = 200, capture = sip.SDP_CAPTURE } makes ${media_ip} and ${media_port_remote}.
--
-- Option values may use ${slots} and ${params} like any template text. Helpers reject bad arguments
-- with error(msg, 0): the loader then reports the scenario line that called them.
local M = {}

M.DEFAULT_FROM = "sip:sipstorm@${local_ip}:${local_port}"
M.CONTACT = "Contact: <sip:sipstorm@${local_ip}:${local_port};transport=${transport}>"
M.VIA = "Via: SIP/2.0/${transport} ${local_ip}:${local_port};branch=${branch};rport"

-- The dialog the last sip.invite started, so in-dialog helpers need no arguments in a UAC.
local dialog = { to = nil, from = M.DEFAULT_FROM }

local rtpmap = { [0] = "PCMU/8000", [8] = "PCMA/8000", [9] = "G722/8000", [18] = "G729/8000" }

local function check_options(opts, allowed, who)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error(who .. ": expected a table of options", 0) end
  for k in pairs(opts) do
    if not allowed[k] then error(who .. ": unknown option '" .. tostring(k) .. "'", 0) end
  end
  return opts
end

local function set(...)
  local s = {}
  for _, k in ipairs({ ... }) do s[k] = true end
  return s
end

-- start line, header lines, body (or nil) -> template text. ${len} only when there is a body: a
-- literal 0 costs nothing to render.
local function message(start, headers, extra, body, content_type)
  local out = { start }
  for _, h in ipairs(headers) do out[#out + 1] = h end
  for _, h in ipairs(extra or {}) do out[#out + 1] = h end
  if body then out[#out + 1] = "Content-Type: " .. (content_type or "application/sdp") end
  out[#out + 1] = body and "Content-Length: ${len}" or "Content-Length: 0"
  out[#out + 1] = ""
  if body then out[#out + 1] = body end
  return table.concat(out, "\n") .. "\n"
end

local function sdp(codecs, direction)
  local pts, maps = {}, {}
  for _, pt in ipairs(codecs) do
    pts[#pts + 1] = tostring(pt)
    if rtpmap[pt] then maps[#maps + 1] = "a=rtpmap:" .. pt .. " " .. rtpmap[pt] end
    if pt == "${media_pt}" then maps[#maps + 1] = "a=rtpmap:${media_pt} ${media_codec}/8000" end
  end
  local out = {
    "v=0",
    "o=sipstorm ${call_number} 1 IN IP4 ${local_ip}",
    "s=-",
    "c=IN IP4 ${local_ip}",
    "t=0 0",
    "m=audio ${media_port} RTP/AVP " .. table.concat(pts, " ") .. " 101",
  }
  for _, m in ipairs(maps) do out[#out + 1] = m end
  out[#out + 1] = "a=rtpmap:101 telephone-event/8000"
  out[#out + 1] = "a=fmtp:101 0-15"
  out[#out + 1] = "a=" .. direction
  return table.concat(out, "\n")
end

local directions = set("sendrecv", "sendonly", "recvonly", "inactive")

local function sdp_body(opts, who, default_codecs)
  opts = check_options(opts, set("codecs", "direction"), who)
  local direction = opts.direction or "sendrecv"
  if not directions[direction] then error(who .. ": unknown direction '" .. tostring(direction) .. "'", 0) end
  return sdp(opts.codecs or default_codecs, direction)
end

function M.sdp_offer(opts) return sdp_body(opts, "sdp_offer", { 0, 8 }) end

-- Without codecs, the answer names the call's negotiated codec: ${media_pt} / ${media_codec}, the
-- first G.711 of the peer's offer when the scenario has media steps, else PCMU (0).
function M.sdp_answer(opts)
  if opts and opts.codecs then return sdp_body(opts, "sdp_answer", { 0 }) end
  return sdp_body(opts, "sdp_answer", { "${media_pt}" })
end

M.SDP_CAPTURE = {
  media_ip = { body = true, regex = "c=IN IP[46] ([^\r\n]+)" },
  media_port_remote = { body = true, regex = "m=audio ([0-9]+)" },
}

local function initial(method, opts, who)
  if type(opts.to) ~= "string" then error(who .. ": 'to' (the callee's URI) is required", 0) end
  dialog = { to = opts.to, from = opts.from or M.DEFAULT_FROM, uri = opts.uri or opts.to }
  local headers = {
    M.VIA,
    "Max-Forwards: 70",
    "From: <" .. dialog.from .. ">;tag=${local_tag}",
    "To: <" .. dialog.to .. ">",
    "Call-ID: ${call_id}",
    "CSeq: ${cseq} " .. method,
  }
  if opts.contact ~= false then headers[#headers + 1] = M.CONTACT end
  if opts.auth then headers[#headers + 1] = "${auth}" end
  return message(method .. " " .. dialog.uri .. " SIP/2.0", headers, opts.headers, opts.body or opts.sdp,
    opts.content_type)
end

function M.invite(opts)
  opts = check_options(opts, set("to", "from", "sdp", "headers", "auth"), "invite")
  return initial("INVITE", opts, "invite")
end

function M.initial(method, opts)
  opts = check_options(opts, set("to", "from", "uri", "body", "content_type", "headers", "auth", "contact"),
    "initial")
  return initial(method, opts, "initial")
end

function M.cancel()
  if not dialog.uri then error("cancel: no INVITE yet (call sip.invite first)", 0) end
  return message("CANCEL " .. dialog.uri .. " SIP/2.0", {
    M.VIA,
    "Max-Forwards: 70",
    "From: <" .. dialog.from .. ">;tag=${local_tag}",
    "To: <" .. dialog.to .. ">",
    "Call-ID: ${call_id}",
    "CSeq: ${cseq} CANCEL",
  })
end

local function in_dialog(method, opts, who)
  opts = check_options(opts, set("to", "from", "body", "content_type", "headers", "auth"), who)
  local to, from = opts.to or dialog.to, opts.from or dialog.from
  if not dialog.to then  -- a UAS: the request that opened the call says who is who
    to, from = opts.to or "${remote_uri}", opts.from or "${local_uri}"
  end
  local headers = {
    M.VIA,
    "Max-Forwards: 70",
    "${routes}",
    "From: <" .. from .. ">;tag=${local_tag}",
    "To: <" .. to .. ">;tag=${remote_tag}",
    "Call-ID: ${call_id}",
    "CSeq: ${cseq} " .. method,
  }
  if method ~= "ACK" and method ~= "BYE" then headers[#headers + 1] = M.CONTACT end
  if opts.auth then headers[#headers + 1] = "${auth}" end
  return message(method .. " ${remote_target} SIP/2.0", headers, opts.headers, opts.body,
    opts.content_type)
end

function M.request(method, opts) return in_dialog(method, opts, "request") end

function M.ack_2xx(opts) return in_dialog("ACK", opts, "ack_2xx") end

function M.bye(opts) return in_dialog("BYE", opts, "bye") end

function M.response(code, reason, opts)
  opts = check_options(opts,
    set("sdp", "body", "content_type", "headers", "in_dialog", "answers", "challenge", "dialog"), "response")
  if math.type(code) ~= "integer" or code < 100 or code > 699 then
    error("response: code must be an integer 100-699", 0)
  end
  if opts.answers ~= nil and opts.answers ~= "INVITE" then
    error("response: answers must be \"INVITE\" (or absent: the last request)", 0)
  end
  if opts.challenge and code ~= 401 and code ~= 407 then
    error("response: challenge = true goes with 401 or 407", 0)
  end
  local from = opts.answers and "${invite_" or "${last_"
  local body = opts.sdp or opts.body
  local to = from .. "To}"
  if code > 100 and not opts.in_dialog then to = to .. ";tag=${local_tag}" end
  -- Record-Route and Contact matter in responses that create the dialog (18x, 2xx).
  local creates_dialog = code > 100 and code < 300 and not opts.in_dialog and opts.dialog ~= false
  local headers = { from .. "Via}" }
  if creates_dialog then headers[#headers + 1] = from .. "Record-Route}" end
  for _, h in ipairs({ from .. "From}", to, from .. "Call-ID}", from .. "CSeq}" }) do
    headers[#headers + 1] = h
  end
  if creates_dialog then headers[#headers + 1] = M.CONTACT end
  if opts.challenge then
    headers[#headers + 1] = (code == 407 and "Proxy-Authenticate" or "WWW-Authenticate") .. ": ${challenge}"
  end
  return message("SIP/2.0 " .. code .. " " .. (reason or ""), headers, opts.headers, body,
    opts.content_type)
end

return M
