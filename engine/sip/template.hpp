// A message template: text compiled once into literal runs and slots, rendered per call by copying
// literals and filling slots, with no formatting or allocation per message.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.hpp"

namespace sipstorm::sip {

// Per-call values a template can ask for. Written in template text as ${name}.
enum class Slot : uint8_t {
    kLiteral,        // not a slot: a run of the template's literal text
    kCallId,         // ${call_id}
    kBranch,         // ${branch}     a fresh Via branch (z9hG4bK...) per request sent
    kLocalTag,       // ${local_tag}  our tag (From tag of a UAC, To tag of a UAS)
    kRemoteTag,      // ${remote_tag}
    kCSeq,           // ${cseq}       our current CSeq number
    kLocalIp,        // ${local_ip}
    kLocalPort,      // ${local_port}
    kRemoteIp,       // ${remote_ip}
    kRemotePort,     // ${remote_port}
    kTransport,      // ${transport}  UDP / TCP / TLS
    kCallNumber,     // ${call_number}
    kRemoteTarget,   // ${remote_target}  RFC 3261 §12: the peer's Contact URI, or the initial Request-URI
    kRoutes,         // ${routes}     "Route: ...\r\n" lines from the route set, or nothing
    kLastHeader,     // ${last_Via} ${last_From} ... : the header line(s) "Name: value" of the last received
                     // request (all lines of that name joined by CRLF, no trailing CRLF); arg = HeaderId
    kMediaPort,      // ${media_port} a per-call RTP port
    kContentLength,  // ${len}        the length of the rendered body (after the blank line)
    kVar,            // ${name} of a per-call variable (captures); arg = variable index
    kField,          // ${field0}, ${users.name}: a field of the call's row of an --inf file; arg = index
                     // into the program's field references
    kInviteHeader,   // ${invite_Via} ...: like kLastHeader, from the last INVITE received (to answer
                     // an INVITE after a CANCEL, PRACK or UPDATE arrived); arg = HeaderId
    kLocalUri,       // ${local_uri}  UAS: the To of the request that opened the call, without tag
    kRemoteUri,      // ${remote_uri} UAS: its From, without tag (for requests the UAS sends)
    kAuth,           // ${auth} alone on a line: Authorization / Proxy-Authorization answering the last
                     // 401/407 of the call, or nothing when there was none
    kChallenge,      // ${challenge} (UAS): a Digest challenge value with a nonce of this call
    kMediaPt,        // ${media_pt}   the RTP payload type of the call's stream (the peer's offer decides)
    kMediaCodec,     // ${media_codec} its encoding name, PCMU or PCMA
    kPeerTagParam,   // ${peer_tag_param} ";tag=" and the remote tag, or nothing without one (SIPp's)
    kLocalIpType,    // ${local_ip_type}  4 or 6: the family of ${local_ip} (SDP "IN IP4")
    kClockTick,      // ${clock_tick}  milliseconds since the run started (SIPp's [clock_tick])
    kTimestamp,      // ${timestamp}   the wall clock as SIPp's [timestamp] prints it (local time:
                     //                "2026-12-02<TAB>14:30:00.123456<TAB>1796196600.123456")
    kFill,           // SIPp's [fill variable=N text=T]: T repeated to the length in variable N;
                     // arg = index into Program::fills (no ${...} form: from SIPp XML only)
};

struct Segment {
    Slot slot = Slot::kLiteral;
    uint16_t arg = 0;
    uint32_t offset = 0;  // literal: offset into Template::text
    uint32_t length = 0;  // literal: length
    // A slot written alone on a header line (${routes}, ${last_Record-Route} ...): the renderer ends a
    // non-empty value with CRLF if it lacks one and writes nothing for an empty value, so an absent
    // header leaves no blank line behind.
    bool own_line = false;
};

struct Template {
    std::string text;  // literal pool; line endings normalised to CRLF, ends with the blank line + body
    std::vector<Segment> segments;
    // segments[body_segment..] are the body (after the blank line). The renderer writes them first so
    // that ${len} is known before the headers are written. == segments.size() when there is no body.
    uint32_t body_segment = 0;
    // What the template sends, read from its start line at compile time.
    bool is_request = false;
    Method method = Method::kUnknown;
    uint16_t status_code = 0;
    bool has_body = false;
    bool has_auth = false;       // a ${auth} segment: the engine computes credentials before rendering
    bool has_challenge = false;  // a ${challenge} segment: likewise for the challenge
};

}  // namespace sipstorm::sip
