// The SIP message parser: one pass over a buffer that fills a zero-copy MessageView (start line,
// flat header index, body).  No allocation, no exceptions, no locks.
#pragma once
#include <cstdint>
#include <string_view>

#include "sip/message.hpp"
#include "sip/verdict.hpp"

namespace sipstorm::sip {

// How message boundaries are found (RFC 3261 §18.3).
enum class Framing : uint8_t {
    kDatagram,  // one message per buffer; trailing octets after Content-Length bytes are ignored
    kStream,    // TCP/TLS: Content-Length is mandatory and delimits the message; more may follow
};

enum class ParseStatus : uint8_t {
    kOk,          // out is filled; out.size = bytes this message used
    kIncomplete,  // stream framing only: the buffer ends before the message does
    kInvalid,     // see ParseResult::verdict
};

struct ParseResult {
    ParseStatus status = ParseStatus::kInvalid;
    Verdict verdict;  // code 0 unless status == kInvalid

    bool ok() const { return status == ParseStatus::kOk; }
};

// Parses the message at the start of `bytes` into `out`.  All views in `out` point into `bytes`,
// which must outlive them.  Every field of `out` is reset except the entries of `headers` past
// header_count, which are stale; the contents are meaningful only on kOk.
//  - CRLFs before the start line are skipped and counted in out.size (RFC 3261 §7.5).
//  - kDatagram: body = Content-Length bytes (trailing octets ignored) or, without Content-Length,
//    the rest of the buffer; a Content-Length beyond the buffer is invalid (400).
//  - kStream: Content-Length is required; kIncomplete until header section and body are whole; a
//    Content-Length above kMaxContentLength (scalars.hpp, 64 MiB) is refused with 413.
//  - Header values are trimmed of surrounding LWS but keep inner folds (CRLF SP) verbatim.
//  - Rejections: 400 (syntax), 505 (SIP-Version other than 2.0), 413; detail says what is wrong.
// Thread-safe (no shared state besides the scanner choice); does not allocate or throw.
ParseResult parse(std::string_view bytes, MessageView& out, Framing framing = Framing::kDatagram);

// Forces the portable scalar scanner instead of the SSE2 one picked at start-up, so tests, the
// fuzzer and benchmarks can compare both paths.  Process-wide; affects parses that start later.
void force_scalar_scan(bool on);

}  // namespace sipstorm::sip
