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
// which must outlive them.  `out` is fully (re)initialised; its contents are unspecified unless kOk.
ParseResult parse(std::string_view bytes, MessageView& out, Framing framing = Framing::kDatagram);

// Forces the portable scalar scanner even where SSE4.2 is available (tests compare both paths).
// Not thread-safe with concurrent parse(); call at start-up.
void force_scalar_scan(bool on);

}  // namespace sipstorm::sip
