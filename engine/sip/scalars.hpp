// Single-number and short headers: CSeq, Max-Forwards, Content-Length, Expires / Min-Expires, Call-ID,
// RSeq, RAck. Out-of-range numbers are kOverflow, never wrapped or clamped silently.
#pragma once
#include <cstdint>
#include <string_view>

#include "sip/lex.hpp"
#include "sip/message.hpp"

namespace sipstorm::sip {

inline constexpr uint32_t kMaxCSeq = 0x7fffffffu;                 // RFC 3261 §8.1.1.5: < 2^31
inline constexpr uint32_t kMaxContentLength = 64u * 1024 * 1024;  // larger bodies are not SIP traffic

struct CSeq {
    uint32_t number = 0;
    Method method = Method::kUnknown;
    std::string_view method_text;
};

struct RAck {
    uint32_t rseq = 0;
    uint32_t cseq = 0;
    Method method = Method::kUnknown;
    std::string_view method_text;
};

// 1*DIGIT (leading zeros fine) with LWS around, value <= max. On kOverflow out is set to max, so a
// caller that wants RFC 3261's "treat as the largest value" (Expires) can still use it.
FieldError parse_uint(std::string_view value, uint32_t max, uint32_t& out);

FieldError parse_cseq(std::string_view value, CSeq& out);
FieldError parse_max_forwards(std::string_view value, uint8_t& out);
FieldError parse_content_length(std::string_view value, uint32_t& out);
FieldError parse_expires(std::string_view value, uint32_t& out);  // Expires, Min-Expires: delta-seconds
FieldError parse_rseq(std::string_view value, uint32_t& out);     // 1 .. 2^32-1
FieldError parse_rack(std::string_view value, RAck& out);
FieldError validate_call_id(std::string_view value);  // word [ "@" word ]

}  // namespace sipstorm::sip
