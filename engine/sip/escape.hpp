// %HH escapes (URIs) and backslash quoted-pairs (quoted strings), decoded into a caller buffer.
#pragma once
#include <cstddef>
#include <span>
#include <string_view>

#include "sip/lex.hpp"

namespace sipstorm::sip {

// True when every '%' in s starts a valid %HH escape.
bool valid_escapes(std::string_view s);

// Decodes %HH escapes of in into out; out_len receives the decoded length. kBadEscape on a malformed
// escape, kOverflow when out is too small. An escaped NUL (%00) decodes to a NUL byte.
FieldError unescape(std::string_view in, std::span<char> out, size_t& out_len);

// Decodes the quoted-pairs of a quoted string's content (without the surrounding quotes).
FieldError unquote(std::string_view content, std::span<char> out, size_t& out_len);

}  // namespace sipstorm::sip
