// Header name -> HeaderId, case-insensitive, long and compact forms (RFC 3261 §7.3.3, §20 and the
// extensions listed in message.hpp).  On the parse path, so no hashing or allocation.
#pragma once
#include <string_view>

#include "sip/message.hpp"

namespace sipstorm::sip {

// kOther for names we do not index.  `name` must be the bare token (no whitespace or colon).
HeaderId header_id(std::string_view name);

// The canonical long form ("Call-ID"); empty for kOther and kCount.
std::string_view header_name(HeaderId id);

// The compact form ('i' for Call-ID), or 0 if the header has none.
char header_compact_form(HeaderId id);

}  // namespace sipstorm::sip
