// Finds SIP message boundaries in a byte stream (TCP, TLS): RFC 3261 §18.3 (Content-Length is
// mandatory and delimits the body), §7.5 (CRLFs before a start line are ignored) and the RFC 5626
// §3.5.1 keep-alives (a CRLFCRLF "ping" is answered with a CRLF "pong").
//
// This only frames: it looks for the end of the header section and the Content-Length value, and
// leaves every other check to the parser, which sees each message whole. It never copies or
// allocates; the caller keeps the unconsumed tail of a read and calls again when more arrives.
#pragma once
#include <cstdint>
#include <string_view>

namespace sipstorm::net {

enum class FrameKind : uint8_t {
    kMessage,    // [skip, skip + length) is one whole message
    kNeedMore,   // the data ends inside a message (or inside a CRLF run that may be a ping)
    kPing,       // a CRLFCRLF keep-alive: answer with CRLF; consume `skip` bytes
    kPong,       // a lone CRLF at a message boundary while a ping of ours is out; consume `skip`
    kNoLength,   // a header section without Content-Length: the stream cannot be framed
    kBadLength,  // a Content-Length that is not a number
    kTooLarge,   // the message (or its unterminated header section) exceeds the limit
};

struct Frame {
    FrameKind kind = FrameKind::kNeedMore;
    uint32_t skip = 0;    // leading bytes to drop (CRLFs) before the message; for kPing/kPong all of it
    uint32_t length = 0;  // kMessage: the message's bytes after `skip`
};

// Frames the start of `data` (which begins at a message boundary). `awaiting_pong`: a ping of ours is
// unanswered, so a lone CRLF is its pong. `max_message`: the largest message accepted, in bytes.
// `scan_from`: bytes of data already known to hold no CRLFCRLF (from an earlier kNeedMore), so that
// a message that arrives byte by byte costs linear time; updated on kNeedMore, 0 after anything else.
Frame frame_stream(std::string_view data, bool awaiting_pong, uint32_t max_message, uint32_t& scan_from);

}  // namespace sipstorm::net
