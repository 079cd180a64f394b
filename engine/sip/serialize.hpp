// Writes a message back to text, for forwarding and rewriting: start line, one "Name: value" line
// per header, the empty line, the body.  Header names keep the form they were written in; values
// are copied verbatim (a folded value stays folded, which is still valid SIP).
#pragma once
#include <cstddef>
#include <span>
#include <string_view>

#include "sip/message.hpp"

namespace sipstorm::sip {

// Bytes serialize() needs for m.
size_t serialized_size(const MessageView& m);

// Writes m into out[0, cap).  Returns the bytes written, or 0 (and writes nothing) if cap is too
// small.  parse() of the result gives the same start line, header names, values and body.
size_t serialize(const MessageView& m, char* out, size_t cap);

// As above with m's start line but a caller-supplied header list and body, e.g. after pushing a
// Via.  The caller keeps Content-Length consistent with `body`; this does not rewrite it.
size_t serialized_size(const MessageView& start_line, std::span<const Header> headers, std::string_view body);
size_t serialize(const MessageView& start_line, std::span<const Header> headers, std::string_view body,
                 char* out, size_t cap);

}  // namespace sipstorm::sip
