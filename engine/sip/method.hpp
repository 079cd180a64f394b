// Method <-> text.  SIP method names are case-sensitive (RFC 3261 §7.1), so "invite" is an
// extension method, not INVITE.
#pragma once
#include <string_view>

#include "sip/message.hpp"

namespace sipstorm::sip {

// kUnknown for anything that is not one of the methods in the Method enum.
Method method_from_text(std::string_view text);

// The canonical text ("INVITE"); empty for kUnknown and kCount.
std::string_view method_text(Method m);

}  // namespace sipstorm::sip
